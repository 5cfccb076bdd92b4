"""Signpost: connects residents with local digital inclusion support."""
