"""The REST API booking systems use: ``/sessionroom/api/v1/sessions`` (create, read, list, reschedule, cancel)."""
