"""Privacy by default (AVG/GDPR): the public notice, and what the portal keeps and for how long."""
