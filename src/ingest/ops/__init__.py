"""What keeps the process observable and alive: worker processes, logs, metrics, health and systemd."""
