"""Writes of the leads app, by sub-topic: `conversations` (the visitor's side: start, turns,
end, abandon), `leads` (create or update, qualify and correct a lead) and `sales` (assign a
lead, record its outcomes)."""
