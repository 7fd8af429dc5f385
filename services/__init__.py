"""The five Linkage services, the plumbing they share (``runtime``) and the launcher (``platform``)."""
