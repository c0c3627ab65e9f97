"""Reports: shift, day and period numbers read from the event log.

`history` keeps the projection (TaskSpan, TaskMark) in step with the log; `service` answers
`build_report` and `report_tasks`; `exports` writes CSV, XLSX and text. This file imports
nothing: events.record calls history.follow, and loading the package must not pull the
services in behind it.
"""
