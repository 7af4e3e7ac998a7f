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

OFFER_TYPE = {
    "company_internship": "Virksomhedspraktik",
    "mentor": "Mentor",
    "education": "Uddannelse",
    "health_or_social": "Sundheds- eller socialindsats",
    "other": "Andet",
    "total": "I alt",
}
OUTCOME = {
    "offer_adjusted": "Tilbud tilpasset",
    "offer_kept": "Tilbud fastholdt",
    "offer_replaced": "Andet tilbud",
    "withdrawn": "Trukket tilbage",
}
SEX = {"F": "Kvinder", "M": "Mænd"}
AGE_BANDS = ["16-29", "30-39", "40-49", "50-59", "60+"]

PILOT_DEFINITIONS = {
    "pilot_requests": DEFINITIONS["pilot_requests"],
    "pilot_uptake": (
        "Anmodninger pr. 1.000 ressourceforløb, der var i gang i den valgte periode, med 95 % "
        "eksakt Poisson-konfidensinterval (Garwood)."
    ),
    "pilot_municipalities": DEFINITIONS["pilot_municipalities"],
    "pilot_early_share": (
        "Andel af anmodningerne, der handlede om tidlig afklaring (ikke et konkret tilbud), med 95 % "
        "eksakt konfidensinterval (Clopper–Pearson)."
    ),
    "pilot_open": "Anmodninger uden rådgivning fra sundhedskoordinatoren ved datas slutdato.",
    "pilot_days_to_advice": (
        "Dage fra anmodning til sundhedskoordinatorens rådgivning. Åbne anmodninger tæller med som "
        "censurerede (Kaplan–Meier): median og kvartiler er tiden, til henholdsvis 50 %, 25 % og 75 % "
        "har fået rådgivning. «Kun afsluttede» viser, hvad medianen ville være, hvis de åbne blev udeladt."
    ),
    "pilot_funnel": (
        "Hver kommunes anmodninger pr. 1.000 forløb mod antallet af forløb. Linjerne er 95 % og 99,8 % "
        "kontrolgrænser om landsgennemsnittet (eksakte Poisson-grænser, Spiegelhalter 2005). Kommuner "
        "uden for 99,8 %-grænserne afviger mere, end tilfældighed plejer at give."
    ),
    "pilot_flow": (
        "Anmodninger efter tilbudstype: hvor mange fik et dialogmøde, hvor mange fik rådgivning, og "
        "hvad udfaldet blev. Åbne = endnu uden rådgivning."
    ),
    "pilot_other_channels": (
        "Andre måder, kommunerne brugte sundhedsfaglig viden på, pr. kvartal (tabellen "
        "health_advice_channels): sparring med sundhedskoordinatoren og inddragelse af egen læge. "
        "Følger område og periode, men ikke køn og alder, som tabellen ikke har."
    ),
}
