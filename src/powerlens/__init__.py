"""powerlens: make the power in a conversation visible, with evidence for every claim.

The library is three calls, in the one direction data flows::

    conversations = powerlens.load("examples/team_meeting.vtt")
    report = powerlens.analyze(conversations)
    print(powerlens.render(report, "json"))
"""

from powerlens.analysis import analyze
from powerlens.errors import InputError, PowerlensError, UsageError
from powerlens.measures import Options
from powerlens.model import (
    Conversation,
    ConversationReport,
    Finding,
    Rejection,
    Report,
    Signal,
    Speaker,
    Utterance,
)
from powerlens.readers import load
from powerlens.report import render

__version__ = "0.1.0"

__all__ = [
    "Conversation",
    "ConversationReport",
    "Finding",
    "InputError",
    "Options",
    "PowerlensError",
    "Rejection",
    "Report",
    "Signal",
    "Speaker",
    "UsageError",
    "Utterance",
    "analyze",
    "load",
    "render",
]
