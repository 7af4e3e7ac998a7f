-- Pool grants per area (public decisions about municipalities, shown as they are).
select area, grants, municipalities, granted_dkk, spent_dkk from rel_public_grants
