"""The command line: `chat-analytics <command>` and the contract's `python -m ...` forms, which run
the same click commands (commands.main lists them; commands.startup holds what they share)."""
