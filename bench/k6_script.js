// The k6 peer of the generator benchmark: constant VUs posting one transcript body with no
// sleep, as a k6 user would write it. Environment: BENCH_URL, BENCH_TOKEN (empty sends none),
// BENCH_RUN (id prefix), BENCH_VUS, BENCH_DURATION (e.g. "10s").
import http from "k6/http";

export const options = {
  scenarios: {
    post: {
      executor: "constant-vus",
      vus: Number(__ENV.BENCH_VUS || 64),
      duration: __ENV.BENCH_DURATION || "10s",
    },
  },
};

const content = "Thanks for waiting, I can see the order on your account and it shipped this " +
  "morning, so it should arrive by Thursday.";
const headers = { "Content-Type": "application/json" };
if (__ENV.BENCH_TOKEN) {
  headers["Authorization"] = `Bearer ${__ENV.BENCH_TOKEN}`;
}

export default function () {
  const call = `${__ENV.BENCH_RUN || "k6"}-u${__VU}`;
  const now = Date.now();
  const body = JSON.stringify({
    participantId: `${call}END_USER`, messageId: `m${__ITER}`, startTime: now - 1500,
    endTime: now, content: content, senderType: "END_USER",
  });
  http.post(`${__ENV.BENCH_URL}/telephony/v1/voiceCalls/${call}/messages`, body,
    { headers: headers });
}
