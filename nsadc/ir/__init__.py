"""The intermediate representation: structured, typed, printable."""
