"""The write side: each service takes the request's context, checks input and the write
policy, changes rows through the session, flushes, and never commits."""
