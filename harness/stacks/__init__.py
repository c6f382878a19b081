"""Stacks: start, drive and stop the systems under test (framework core + plugin runtime + probe)."""

from harness.stacks.astrbot import AstrBotStack
from harness.stacks.base import Bot, Stack, StackTimeouts
from harness.stacks.evidence_tail import EvidenceTail
from harness.stacks.langbot import LangBotStack
from harness.stacks.process import ManagedProcess

__all__ = ["AstrBotStack", "Bot", "EvidenceTail", "LangBotStack", "ManagedProcess", "Stack", "StackTimeouts"]
