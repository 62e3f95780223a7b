"""Frontend: find a function's source, parse it with libcst, lower it to IR."""
