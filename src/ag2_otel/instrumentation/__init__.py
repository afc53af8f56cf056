"""Instrumentation of classic AG2: conversations, agents, LLM calls, tools, group chats."""
