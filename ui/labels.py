"""Danish labels for codes and columns, and the definitions shown beside each measure."""

DECISION = {
    "resource_course": "Ressourceforløb",
    "flex_job": "Fleksjob",
    "disability_pension": "Førtidspension",
    "other": "Andet",
}

COLUMNS = {
    "year": "År",
    "quarter_end": "Kvartalets udgang",
    "persons_in_course": "Personer i ressourceforløb",
    "courses_started": "Nye forløb i kvartalet",
    "new_courses": "Nye ressourceforløb",
    "resource_course": "Afgørelser: ressourceforløb",
    "flex_job": "Afgørelser: fleksjob",
    "disability_pension": "Afgørelser: førtidspension",
    "other": "Afgørelser: andet",
    "decisions": "Afgørelser i alt",
    "label_da": "Tal",
    "value_text_da": "Publiceret",
    "loaded_value": "Indlæste data",
    "period_da": "Periode",
    "source_title": "Kilde",
    "source_site": "Udgiver",
}

# Definitions beside every measure ("i" help texts); docs/definitions.md says the same at length.
DEFINITIONS = {
    "persons_in_course": (
        "Antal ressourceforløb, der er i gang på dagen: forløbet er startet på eller før dagen og "
        "ikke afsluttet før den. Én sag tæller som én person."
    ),
    "courses_in_pilot_window": (
        "Ressourceforløb, der var i gang på et tidspunkt i forsøgsperioden "
        "(startet senest ved periodens slutning og ikke afsluttet før dens start). Nævneren for "
        "forsøgets anvendelse."
    ),
    "pilot_requests": (
        "Anmodninger om inddragelse af den regionale sundhedskoordinator efter forsøgsordningen "
        "(1. juli 2017 – 1. juli 2019)."
    ),
    "pilot_municipalities": "Kommuner med mindst én anmodning efter forsøgsordningen.",
    "pool_granted": "Samlet bevilget beløb fra puljen Bedre ressourceforløb i de indlæste bevillinger.",
    "pool_municipalities": "Kommuner med mindst én bevilling fra puljen.",
    "new_courses": "Ressourceforløb efter startår (forløbets startdato).",
    "decisions": "Afgørelser efter rehabiliteringsteamets møde, efter afgørelsesår og type.",
}
