"""Caseloads as offices send them: column profiles, folders of submissions, provenance."""
