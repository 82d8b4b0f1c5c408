// The scheduler engine (in progress).
