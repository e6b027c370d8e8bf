"""`replay capacity`: the highest replay speed an endpoint holds within --fail-on thresholds.

Modules: search (the speeds to try: doubling, then bisection; pure), window (the busiest
stretch of a dataset, written per step with suffixed ids), steps (one step = one `replay run`),
outputs (capacity.json and capacity.html).
"""
