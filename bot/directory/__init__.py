"""Who is who: projects, operators, teams, campaigns, accounts, contacts import and export,
and the demo organisation."""
