"""Qualification: what a seasoned sales person concludes from a conversation (why they came and
whether now), with the visitor's own words as evidence. One interface, several engines."""
