"""Deployment files (Kubernetes, Grafana) and the scripts that check them (not part of the package)."""
