from forms_builder.runtime import END, first_step_key, next_step_key


def definition(*steps):
    return {"steps": [{"key": key, "branches": branches} for key, branches in steps]}


FORM = definition(
    ("need", [{"equals": "Just browsing", "goto": END}, {"equals": "Demo", "goto": "size"}]),
    ("email", []),
    ("size", [{"equals": "yes", "goto": END}]),
    ("last", []),
)


def test_the_first_step_opens_the_conversation():
    assert first_step_key(FORM) == "need"
    assert first_step_key(definition()) == END


def test_without_a_matching_branch_the_next_step_in_order_follows():
    assert next_step_key(FORM, "need", "Something else") == "email"
    assert next_step_key(FORM, "email", "ada@example.com") == "size"


def test_a_matching_branch_jumps_forward_whatever_the_case():
    assert next_step_key(FORM, "need", "demo") == "size"


def test_a_branch_can_end_the_conversation():
    assert next_step_key(FORM, "need", "just browsing") == END


def test_yes_no_answers_match_branches_in_either_language():
    assert next_step_key(FORM, "size", True) == END
    assert next_step_key(FORM, "size", False) == "last"


def test_the_last_step_ends_the_conversation():
    assert next_step_key(FORM, "last", "anything") == END


def test_a_multiple_choice_answer_matches_a_branch_on_any_option():
    assert next_step_key(FORM, "need", ["Other", "Demo"]) == "size"
