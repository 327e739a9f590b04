"""Which step comes next in a published form: pure functions of its frozen definition."""

END = "end"


def step_by_key(definition: dict, key: str) -> dict | None:
    return next((step for step in definition["steps"] if step["key"] == key), None)


def first_step_key(definition: dict) -> str:
    steps = definition["steps"]
    return steps[0]["key"] if steps else END


def next_step_key(definition: dict, key: str, value) -> str:
    """The step after `key` given its answer: the first branch whose answer matches, else the
    next step in order, else END. Branches only point forward (checked at publish)."""
    steps = definition["steps"]
    index = next(i for i, step in enumerate(steps) if step["key"] == key)
    given = value if isinstance(value, list) else [value]
    given = {str(v).casefold() for v in given if v is not None}
    if isinstance(value, bool):
        given |= {"yes", "oui", "true"} if value else {"no", "non", "false"}
    for branch in steps[index]["branches"]:
        if str(branch.get("equals", "")).casefold() in given:
            return branch["goto"]
    return steps[index + 1]["key"] if index + 1 < len(steps) else END
