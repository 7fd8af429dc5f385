"""吹哨—派发—办理—反馈: intake, routing, tasks and the case timeline."""
