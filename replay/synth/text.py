"""What synthetic callers, agents, bots and supervisors say: template banks and their slots.

Each bank is a tuple of templates with `{slot}` fields filled from a call's `slots` dict
(customer, agent, supervisor, company, order, amount, last4, product, plan, day, days, org).
`BANKS` maps a bank name to its templates; the generator picks a bank per utterance from the
speaker, the call's phase (opening, middle, closing) and the call's topic.
"""

from __future__ import annotations

import numpy as np

COMPANIES = ("Northwind Energy", "Contoso Mobile", "Fabrikam Insurance", "Tailspin Internet")
FIRST_NAMES = (
    "Maria",
    "James",
    "Aisha",
    "Chen",
    "Olivia",
    "Mateo",
    "Priya",
    "Lukas",
    "Fatima",
    "Noah",
    "Sofia",
    "Kwame",
    "Emma",
    "Hiroshi",
    "Chloe",
    "Diego",
    "Amara",
    "Liam",
    "Ines",
    "Omar",
    "Hannah",
    "Ravi",
    "Grace",
    "Jonas",
    "Leila",
    "Ethan",
    "Zoe",
    "Tomasz",
    "Nia",
    "Samuel",
    "Yuki",
    "Carmen",
    "Felix",
    "Anika",
    "Marcus",
    "Elena",
    "Kofi",
    "Isla",
    "Arjun",
    "Bianca",
)
ORGS = ("Mercy Pharmacy", "First Federal Bank", "the county utility office", "Allied Movers")
TOPICS = ("billing", "delivery", "login", "cancel", "outage", "move", "refund")
PRODUCTS = {
    "billing": ("bill", "statement", "invoice", "monthly charge"),
    "delivery": ("order", "package", "replacement device", "new router"),
    "login": ("online account", "app login", "account", "password"),
    "cancel": ("subscription", "plan", "contract", "service"),
    "outage": ("internet", "connection", "service", "Wi-Fi"),
    "move": ("service address", "account address", "installation", "service"),
    "refund": ("headphones", "router", "phone", "order"),
}
PLANS = ("Basic", "Plus", "Unlimited", "Family", "Premium")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the 3rd", "the 14th", "the 21st")

_BOT = {
    "bot_greeting": (
        "Thank you for calling {company}. In a few words, tell me what you're calling about.",
        "Hi, you've reached {company}. I'm a virtual assistant. How can I help you today?",
        "Welcome to {company}. Please tell me briefly why you're calling, for example "
        "'billing question' or 'report an outage'.",
        "Thanks for calling {company}. This call may be recorded. What can I help you with?",
    ),
    "bot_route": (
        "Thanks. I'm connecting you with an agent who can help with your {product}. Please hold.",
        "Got it, you're calling about your {product}. One moment while I find someone to help.",
        "Okay. Before I transfer you, I've sent the account details to the agent. Please stay "
        "on the line.",
        "I understand. The current wait time is about two minutes. I'll connect you now.",
    ),
    "bot_retry": (
        "Sorry, I didn't catch that. You can say things like 'billing', 'report an outage' or "
        "'track an order'.",
        "I think you said something about your {product}. Is that right?",
        "Okay. Is this about the account ending in {last4}?",
    ),
    "caller_to_bot": (
        "My {product}.",
        "I have a question about my {product}.",
        "Agent, please.",
        "I need to talk to someone about my {product}.",
        "Billing.",
        "It's about my {product}, it's not right.",
        "Representative.",
    ),
}

_OPENING = {
    "agent_greeting": (
        "Thank you for calling {company}, my name is {agent}. How can I help you today?",
        "Hi, this is {agent} with {company}. Who do I have the pleasure of speaking with?",
        "Good morning, you're through to {agent} at {company}. What can I do for you?",
        "Thanks for holding, this is {agent}. I see you're calling about your {product}, is "
        "that right?",
        "{company}, this is {agent} speaking. How can I help?",
    ),
}

_ISSUES = {
    "billing": (
        "Hi {agent}, I'm looking at my {product} and there's a charge of {amount} I don't "
        "recognise.",
        "Yes, hi. My {product} went up by {amount} this month and nobody told me why.",
        "I was charged twice for the same month, it's {amount} each time.",
    ),
    "delivery": (
        "Hi, my {product} was supposed to arrive on {day} and it still hasn't come.",
        "I'm calling about order {order}. The tracking hasn't moved in {days} days.",
        "Yeah, hi. The {product} was delivered but the box was empty apart from the cable.",
    ),
    "login": (
        "I can't get into my {product}. It keeps saying my password is wrong.",
        "Hi, I got locked out of my {product} after I tried to reset it.",
        "The app logs me out every time I open it and now it says my account is suspended.",
    ),
    "cancel": (
        "I'd like to cancel my {product}, please.",
        "Hi, I'm moving abroad so I need to end my {plan} {product} by {day}.",
        "I want to cancel. I've found a cheaper {product} somewhere else, to be honest.",
    ),
    "outage": (
        "My {product} has been down since this morning and I work from home.",
        "Hi, the {product} keeps dropping every few minutes. I've restarted everything twice.",
        "There's no signal at all. The light on the box is blinking orange.",
    ),
    "move": (
        "I'm moving house on {day} and I need to move my {product} to the new place.",
        "Hi, I need to update my {product}, we've just moved.",
        "We're moving at the end of the month. Can the installation happen the same day?",
    ),
    "refund": (
        "I sent back order {order} {days} days ago and I still haven't had my refund.",
        "Hi, I was promised a {amount} credit last month and it's not on my bill.",
        "I returned the {product} but the refund was for less than I paid.",
    ),
}

_AGENT_MIDDLE = {
    "any": (
        "Let me just pull that up on my screen.",
        "Can you confirm the postcode on the account for me?",
        "I'm going to put you on a short hold while I check with the team.",
        "Thanks for waiting. I'm still here.",
        "I've found the account. Is it still under {customer}?",
        "The system is a little slow today, sorry about that.",
        "And which number are you calling from today?",
        "I'll explain what I'm doing as I go.",
        "Okay, I understand. Let me pull up your account.",
        "Can I have the last four digits of the card on the account, please?",
        "Thank you, {customer}. Bear with me one moment.",
        "I'm sorry about that, that's really frustrating.",
        "Let me check that for you.",
        "Could you confirm the email address on the account?",
        "Alright. And is this the best number to reach you on if we get disconnected?",
        "I see it here. Give me just a second.",
        "Okay, thank you for your patience.",
        "Sure.",
        "Mm-hmm.",
        "Right, that makes sense.",
    ),
    "billing": (
        "I can see the {amount} charge. It's a one-off fee for the {plan} plan upgrade.",
        "It looks like the promotional discount ended on {day}, which is why it went up.",
        "I've reversed the duplicate payment. You'll see {amount} back in three to five days.",
        "I can move you to the {plan} plan, which would bring the bill down.",
    ),
    "delivery": (
        "The courier shows order {order} at the local depot. It should go out tomorrow.",
        "I'm sorry, it looks like it was marked delivered by mistake. I'll send a replacement.",
        "I've raised a claim with the courier and put a new {product} on express delivery.",
        "You'll get a text with a tracking link within the hour.",
    ),
    "login": (
        "I've sent a reset link to the email ending in {last4}. Could you check your inbox?",
        "Your account was locked after five attempts. I've unlocked it now.",
        "Try logging in again now and let me know what you see.",
        "You'll need to clear the app's cache first. Go to settings, then storage.",
    ),
    "cancel": (
        "I can help with that. Can I ask what's made you decide to leave?",
        "Before I do that, I can offer you three months at half price on the {plan} plan.",
        "Okay, I've scheduled the cancellation for {day}. There's no early termination fee.",
        "You'll get a confirmation email with a reference number in a few minutes.",
    ),
    "outage": (
        "I'm running a line test now. It takes about a minute.",
        "There is a reported outage in your area. Engineers are on site.",
        "Could you unplug the router, wait ten seconds and plug it back in?",
        "The line test came back fine, so I'll book an engineer visit for {day}.",
    ),
    "move": (
        "What's the postcode of the new address?",
        "Good news, we cover the new address. The earliest install date is {day}.",
        "I've booked the move for {day}. Your service at the old address stops the same day.",
        "There's no charge for the move since you're on the {plan} plan.",
    ),
    "refund": (
        "I can see the return for order {order} arrived at our warehouse on {day}.",
        "The refund of {amount} was issued yesterday. It can take up to five working days.",
        "It looks like the restocking fee was applied by mistake. I'll refund the difference.",
        "I've added a note and escalated the refund so it's processed today.",
    ),
}

_CALLER_MIDDLE = {
    "any": (
        "Okay, give me a second, I'm writing this down.",
        "Yes, it's still under my name.",
        "I'm calling from my mobile.",
        "Right, so what happens now?",
        "How long does that usually take?",
        "Can you say the reference again?",
        "Okay, no rush.",
        "Hang on, someone's at the door. Sorry, go ahead.",
        "Sure, it's {last4}.",
        "Yes, that's right.",
        "Okay.",
        "It's the one ending in {last4}.",
        "Yeah, that's the best number.",
        "Hang on, let me find it.",
        "Sorry, could you repeat that?",
        "Right. And how long will that take?",
        "Okay, that's fine.",
        "Uh, I think so, yes.",
        "No, I haven't tried that.",
        "That's what I was told last time, though.",
    ),
    "billing": (
        "But I never asked for an upgrade.",
        "So will the bill go back to normal next month?",
        "Can you put that in writing? I'd like an email.",
    ),
    "delivery": (
        "I've been home all day and nobody came to the door.",
        "Can you send it to my work address instead?",
        "Is there a number for the courier I can call?",
    ),
    "login": (
        "Okay, I've got the email. Clicking the link now.",
        "It still says the same thing.",
        "Oh, that worked. I'm in.",
    ),
    "cancel": (
        "No, I've made up my mind, thanks.",
        "Half price for how long, exactly?",
        "Do I need to send the equipment back?",
    ),
    "outage": (
        "I've done that already, twice.",
        "The light's gone green now. Wait, no, it's orange again.",
        "Will I get money back for the days it's been down?",
    ),
    "move": (
        "It's a flat, second floor. Is that a problem for the engineer?",
        "Can it be a morning slot? I work afternoons.",
        "So I won't be without internet at all?",
    ),
    "refund": (
        "Five working days from today, or from yesterday?",
        "I paid {amount}, so the refund should be the same.",
        "Okay, and will I get an email when it goes through?",
    ),
}

_ELABORATIONS = (
    "I've already called about this once last week.",
    "I've been a customer for years and this has never happened before.",
    "My partner usually deals with this, so bear with me.",
    "I'm on my lunch break so I don't have long.",
    "The website didn't have any information about it.",
    "I tried the chat first but it kept sending me in circles.",
    "Sorry, it's a bit noisy here.",
    "I just want it sorted, to be honest.",
    "The last person I spoke to said it would be fixed by {day}.",
    "I've got the letter in front of me.",
)

# Said before or after a middle turn now and then, so long calls do not repeat themselves.
LEAD_INS = {
    "agent": ("Okay.", "Alright.", "Got it.", "Perfect.", "I see.", "Thanks, {customer}.",
              "Right.", "Sure.", "Understood.", "No problem."),
    "caller": ("Okay.", "Right.", "Oh.", "Hmm.", "Yeah.", "Sorry.", "Uh-huh.", "Oh, okay.",
               "Alright.", "Yes."),
}  # fmt: skip
FOLLOW_UPS = {
    "agent": (
        "It'll just take a moment.",
        "I'll add a note to the account.",
        "Bear with me while the system loads.",
        "That's all updated now.",
        "You'll get an email confirming it.",
        "I can see the history from your last call too.",
        "I'll stay on the line while you check.",
        "That reference is {order}, if you need it.",
    ),
    "caller": _ELABORATIONS,
}

_SUPERVISOR = {
    "agent_escalate": (
        "I'm going to bring my supervisor, {supervisor}, onto the call. One moment.",
        "Let me get my supervisor to approve that for you. Please hold.",
    ),
    "supervisor": (
        "Hi {customer}, this is {supervisor}, I'm a supervisor here. I've read the notes.",
        "I've approved a goodwill credit of {amount} on the account.",
        "I'm sorry for the trouble. I'll make sure this is followed up personally.",
        "That's been authorised now. {agent} will finish things off with you.",
    ),
}

_EXTERNAL = (
    "Hi, this is {org}. I'm on the line with the account holder's permission.",
    "We can confirm the payment was sent on {day}.",
    "Our reference for this is {order}, if that helps.",
)

_CLOSING = {
    "agent_anything_else": (
        "Is there anything else I can help you with today?",
        "Have I answered everything for you today, {customer}?",
        "Is there anything else I can do for you?",
    ),
    "caller_thanks": (
        "No, that's everything. Thanks for your help.",
        "No, that's all. Thank you so much, {agent}.",
        "That's it, thanks. You've been really helpful.",
        "No, I think we're done. Thanks.",
    ),
    "agent_goodbye": (
        "You're welcome, {customer}. Have a great rest of your day.",
        "Thanks for calling {company}. Take care, bye now.",
        "My pleasure. You'll get a short survey by text, we'd love your feedback. Bye!",
    ),
}

BANKS: dict[str, tuple[str, ...]] = {
    **_BOT,
    **_OPENING,
    **{f"caller_issue_{topic}": lines for topic, lines in _ISSUES.items()},
    **{f"agent_{topic}": _AGENT_MIDDLE["any"] + lines
       for topic, lines in _AGENT_MIDDLE.items() if topic != "any"},
    **{f"caller_{topic}": _CALLER_MIDDLE["any"] + lines
       for topic, lines in _CALLER_MIDDLE.items() if topic != "any"},
    **_SUPERVISOR,
    "external": _EXTERNAL,
    **_CLOSING,
}  # fmt: skip
TOPICS_ARRAY = np.arange(len(TOPICS))
