"""Conversations driven through the services, as tests of other parts need them."""

from leads.models import Conversation
from leads.qualification.followups import followup_topic
from leads.services.conversations import conversation_turn

# What a visitor who has no more to say answers each discovery follow-up.
NOTHING_MORE = "Nothing more to add"


def followups_answer(conversation: Conversation, text: str = NOTHING_MORE) -> Conversation:
    """Answer the discovery follow-ups a conversation asks once its form's steps are done, until
    it completes (leads/qualification/followups.py)."""
    while followup_topic(conversation.current_step_key):
        conversation = conversation_turn(token=conversation.token, text=text).conversation
    return conversation
