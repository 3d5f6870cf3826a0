-- Registration proves both keys (docs/api.md, "Matching"): the auth-key
-- signature over the registration proof shows the patron holds the auth
-- certificate's key. Rows written before that have NULL here: their link was
-- never proven, so a login through them is refused (`auth_link_unproven`)
-- until the patron taps again to register, which proves the link or moves it
-- to the patron the signing certificate identifies.
ALTER TABLE patron_certificates ADD COLUMN auth_proven_at BIGINT;
