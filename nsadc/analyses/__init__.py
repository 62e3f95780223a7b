"""Analyses of the lowered program (types, activity, kink sites, definitions)
and the renaming they need; read by the transforms and the certificate."""
