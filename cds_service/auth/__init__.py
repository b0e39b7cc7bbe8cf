"""Authentication of CDS clients (CDS Hooks JWT). See ``cds_service.auth.jwt``."""
