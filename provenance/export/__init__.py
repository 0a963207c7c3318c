"""Exports: occurrence CSV, the full JSON tree, W3C PROV, and the review audit trail."""
