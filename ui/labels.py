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
        "Følger området; alle kvartaler i tabellen vises, og køn og alder har tabellen ikke."
    ),
}

PROCESSING_DEFINITIONS = {
    "stages": (
        "Faserne: visitation → rehabiliteringsteammøde og visitation → afgørelse (alle visiterede sager); "
        "teammøde → afgørelse (sager med holdt møde); afgørelse → start af ressourceforløb og afgørelse → "
        "koordinerende sagsbehandler (kun sager med afgørelse om ressourceforløb – andre afgørelser fører "
        "aldrig til et forløb); forløbsstart → første virksomhedspraktik (startede forløb). Perioden gælder "
        "visitationsdatoen. Vælges en afgørelsestype, rummer faserne frem til afgørelsen kun sager, der har "
        "fået den, og har derfor ingen åbne sager."
    ),
    "open": (
        "Sager, der er nået til fasens start, men ikke dens slut ved datas slutdato. De tæller med i "
        "Kaplan–Meier som stadig ventende (censurerede)."
    ),
    "median": (
        "Median, kvartiler og 90 %-fraktil efter Kaplan–Meier: dage, til 50 %, 25 %, 75 % og 90 % er nået "
        "videre, når åbne sager tæller med. – betyder, at andelen ikke er nået ved datas slutdato. En "
        "fraktil, hvor færre end 5 sager stadig ventede, vises ikke."
    ),
    "naive_median": (
        "Medianen af kun de afsluttede sager – hvad man får ved at se bort fra de åbne. Den undervurderer "
        "ventetiden, når mange sager stadig venter."
    ),
    "share_over": (
        "Andel, der stadig venter efter grænsen (Kaplan–Meier, åbne sager med), med 95 %-konfidensinterval "
        "(log-log, som lifelines). Skjules, hvis færre end 5 sager ligger på den ene side af grænsen."
    ),
    "curve": (
        "Andelen, der stadig venter (Kaplan–Meier, åbne sager med), på faste dage efter fasens start med "
        "95 %-bånd; stiplet: kun afsluttede sager. Et punkt vises kun, hvor antallet afsluttet inden for dagen "
        "er et vist tal i udgivelsen, så hvert trin samler mindst 5 afsluttede sager eller ingen, og kurven "
        "stopper, hvor færre end 5 sager stadig venter. Kurver udgives for hele perioden, for landet og "
        "regionerne."
    ),
    "trend": (
        "Median efter visitationskvartal, for hele landet og regionerne (andelen over grænsen udgives for "
        "årene og vinduerne, ikke kvartal for kvartal). Foreløbige "
        "kvartaler (åbne punkter): kvartalets sager er ikke alle fulgt hele grænsen, eller over halvdelen venter "
        "stadig. Markeret: orienteringsskrivelsen (14. marts 2017), initiativpakken (28. marts 2017), forsøget "
        "med sundhedskoordinator og puljen Bedre ressourceforløb (første bevillingsperiodes start til sidste "
        "periodes slutning)."
    ),
    "before_after": (
        "Sager visiteret i de fire kvartaler før mod de fire kvartaler fra begivenheden (en dato midt i et "
        "kvartal flyttes til næste kvartals start); vinduerne er faste perioder i udgivelsen. Forskellen i "
        "andelen over grænsen har et 95 %-konfidensinterval (Greenwood-varians, normalapproksimation). En "
        "forskel er ikke i sig selv en effekt."
    ),
    "by_region": (
        "De fem regioner og hele landet med 95 %-konfidensintervaller for den valgte periode; grupperne udgives "
        "ikke for regionerne."
    ),
    "funnel": (
        "Kommunernes andel af sagerne i hele perioden, der ikke var afsluttet inden for grænsen (åbne sager "
        "tæller som ikke afsluttet), mod antal sager, med 95 %- og 99,8 %-kontrolgrænser om landsandelen "
        "(eksakt binomialfordeling med interpolation, Spiegelhalter 2005). De nyeste sager har ikke haft tid "
        "til at nå grænsen; det trækker alle kommuner i samme retning. Kommuner, hvis tal skjules, er udeladt."
    ),
    "distribution": (
        "Ventetiden for afsluttede sager i grupper mellem kurvens faste dage; den sidste gruppe samler alle "
        "efter den sidste viste dag. Åbne sager står under figuren. Ingen mindste- eller største værdi vises."
    ),
    "coordinator": "En koordinerende sagsbehandler udpeget før afgørelsen tæller som 0 dage.",
    "internship": (
        "Et forløb, der slutter uden praktik, holder op med at vente på sin slutdato (censureret): andelen "
        "gælder forløb, der stadig kører."
    ),
}

FOCUS_AREA = {
    "citizen_involvement": "Borgerinddragelse",
    "company_internships": "Virksomhedspraktik",
    "processing_times": "Sagsbehandlingstid",
}

POOL_DEFINITIONS = {
    "pool_granted": "Bevilget beløb fra puljen i de valgte bevillinger (offentlige afgørelser, vises uden diskretionering).",
    "pool_spent": (
        "Brugt beløb, som projekterne har indberettet. Projekter uden indberetning tæller ikke med; andelen "
        "brugt regnes kun på projekter, der har indberettet."
    ),
    "pool_published": (
        "Initiativpakken nævner 40,4 mio. kr., STAR's puljeside 27 mio. kr. fra satspuljen 2016, og "
        "evalueringen 17 kommuner. Tallene vises med kilde ved siden af de indlæste bevillinger."
    ),
    "pool_involved_share": (
        "Andel af sagerne, der er forberedt sammen med borgeren og de pårørende, blandt sager hvor "
        "rehabiliteringsteamets møde er holdt. 95 % eksakt konfidensinterval (Clopper–Pearson)."
    ),
    "pool_internship_share": (
        "Andel af de startede ressourceforløb med virksomhedspraktik inden for 6 (eller 12) måneder efter "
        "forløbets start; kun forløb, der er fulgt så længe."
    ),
    "pool_completed_share": "Andel af virksomhedspraktikkerne, der blev gennemført.",
    "pool_median_days": (
        "Dage fra visitation til afgørelse; åbne sager tæller med som censurerede (Kaplan–Meier): medianen "
        "er tiden, til halvdelen har fået en afgørelse."
    ),
    "pool_effect": (
        "Forskel-i-forskelle: hvor meget mere udfaldet ændrede sig i kommuner med bevilling efter "
        "bevillingens start end i kommuner uden. Hver kommune med bevilling sammenlignes med kommunerne "
        "uden fra sin egen start (to-trins-estimatoren, Gardner 2021), fordi bevillingerne starter i "
        "forskellige kvartaler. 95 %-intervallet tager højde for, at sager i samme kommune ligner "
        "hinanden, og holder med få kommuner (klynge-jackknife, CRV3). Beregnet ved udgivelsen for "
        "hele perioden."
    ),
    "pool_event_study": (
        "Udviklingen kvartal for kvartal fra bevillingens start. Linjen er kommunerne med bevilling; båndet "
        "viser, hvor de ville ligge, hvis de havde fulgt de øvrige kommuners udvikling. Kvartalerne før "
        "start bør ligge i båndet."
    ),
    "pool_cost_per_case": (
        "Kroner pr. ekstra sag forberedt sammen med borgeren: kommunernes forbrug (bevilget beløb, hvor "
        "forbrug ikke er indberettet) delt med effekten gange kommunernes sager efter start."
    ),
    "pool_cost_per_day": "Kroner pr. sparet sagsdag fra visitation til afgørelse, regnet på samme måde.",
}
