"""Runners: drive the stages over a folder of articles (``local``: this process)."""
