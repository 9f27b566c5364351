"""The words and pictures of the generated organisation: names, departments, bios,
questions and stories, varied enough that pages look (and weigh) like real ones."""

from __future__ import annotations

from io import BytesIO
from random import Random

from portal.demo_stories import Cover

FIRST_NAMES = (
    "Sam Noor Daan Eline Jeroen Yusuf Fatima Lotte Ahmed Sanne Bram Anouk Thijs Iris Ruben Fleur "
    "Milan Julia Lars Sara Tim Emma Luuk Zoë Finn Lieke Jesse Amira Koen Nina Mehmet Sophie Wouter "
    "Esra Joris Maud Hamza Femke Stijn Roos Dewi Tobias Lina Gijs Yara Niels Hanna Mees Ilse Omar"
).split()
LAST_NAMES = (
    "de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|"
    "van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|van der Linden|Kok|"
    "Jacobs|de Haan|Vermeulen|van den Berg|van Dijk|El Amrani|Demir|Yilmaz|Benali|Verhoeven|"
    "Kramer|Postma|Koster|Willems|Schouten|Hoekstra|van Wijk|Prins|Huisman|Kuipers|Veenstra"
).split("|")

DEPARTMENTS = (
    "Engineering",
    "Product",
    "Data",
    "Sales",
    "Customer service",
    "Finance",
    "Operations",
    "Marketing",
    "Legal",
    "People & Culture",
)
JOB_TITLES = {
    "Engineering": ("Backend developer", "Frontend developer", "Engineering manager", "SRE"),
    "Product": ("Product owner", "Product designer", "UX researcher"),
    "Data": ("Data engineer", "Data scientist", "Analytics lead"),
    "Sales": ("Account manager", "Sales lead", "Business developer"),
    "Customer service": ("Customer service agent", "Team lead customer service"),
    "Finance": ("Controller", "Financial analyst", "Accountant"),
    "Operations": ("Field engineer", "Planner", "Operations manager"),
    "Marketing": ("Content marketeer", "Brand manager", "Growth marketeer"),
    "Legal": ("Legal counsel", "Privacy officer"),
    "People & Culture": ("Recruiter", "HR business partner", "Learning & development advisor"),
}
TEAMS = ("Laadpalen", "Netbeheer", "Platform", "Klantreis", "Betalen", "Planning", "Inkoop")
PRONOUNS = ("", "", "", "zij/haar", "hij/hem", "she/her", "he/him", "die/hen")

OFFICES = (
    ("Kantoor Utrecht", "Catharijnesingel 1, 3511 GA Utrecht"),
    ("Kantoor Amsterdam", "Stadhouderskade 10, 1054 ES Amsterdam"),
    ("Kantoor Rotterdam", "Weena 500, 3013 AL Rotterdam"),
    ("Testhal Nieuwegein", "Structuurbaan 2, 3439 MB Nieuwegein"),
)
ARRIVAL = (
    "- **Met de trein:** vanaf het station is het tien minuten lopen.\n"
    "- **Met de auto:** parkeer in de garage naast het gebouw; wij vergoeden je ticket.\n"
    "- **Binnenkomst:** meld je bij de receptie op de begane grond."
)

BIO_OPENINGS = (
    "Ik werk sinds {year} bij ons bedrijf in het team {team}.",
    "Na {n} jaar in de energiesector kwam ik in {year} hier werken.",
    "I joined in {year} and work with the {team} team every day.",
    "Voor ik hier begon werkte ik {n} jaar bij een netbeheerder.",
)
BIO_MIDDLES = (
    "Ik hou van **eerlijke gesprekken** en vraag je graag naar je eigen ideeën.",
    "Op een gewone dag praat ik met klanten, collega's en leveranciers, en soms met alle drie.",
    "I like hard problems, good coffee and colleagues who ask *why* before *how*.",
    "Buiten het werk fiets ik, kook ik voor te veel mensen en lees ik over de energietransitie.",
    "Ik begeleid nieuwe collega's in hun eerste maanden: vraag me alles.",
)
BIO_CLOSINGS = (
    "Tijdens je bezoek vertel ik je graag hoe wij samenwerken.",
    "Looking forward to meeting you.",
    "Tot op je bezoekdag!",
    "",
)

AGENDA = (
    ("other", "Ontvangst en koffie", "Receptie"),
    ("interview", "Gesprek met je toekomstige manager", "Zaal Dom"),
    ("interview", "Gesprek met het team", "Zaal Oudegracht"),
    ("assignment", "Praktijkopdracht", "Zaal Neude"),
    ("presentation", "Presentatie over onze projecten", "Auditorium"),
    ("lunch", "Lunch met het team", "Kantine, 3e verdieping"),
    ("tour", "Rondleiding door het kantoor", ""),
    ("interview", "Gesprek met HR over arbeidsvoorwaarden", "Zaal Dom"),
    ("break", "Pauze", ""),
    ("interview", "Afsluiting en jouw vragen", "Zaal Dom"),
)
DESCRIPTIONS = (
    "",
    "",
    "Je krijgt een korte casus; er is geen goed of fout antwoord.",
    "Neem gerust je eigen laptop mee.",
    "We laten je zien waar je zou gaan werken.",
)

QUESTIONS = (
    "Hoe ziet een gewone werkdag eruit in het team?",
    "Kan ik op de dag zelf met de auto komen, en waar parkeer ik dan?",
    "Is er ruimte om thuis te werken, en hoeveel dagen per week?",
    "Wat verwachten jullie in de eerste drie maanden van me?",
    "Moet ik iets voorbereiden voor de praktijkopdracht?",
    "How large is the team, and who would I work with most?",
    "Is there a training budget, and how do people usually use it?",
    "Hoe gaan jullie om met deeltijd werken?",
    "Wat is de dresscode op kantoor?",
    "Kan ik na het gesprek nog met iemand uit het team bellen?",
)
ANSWERS = (
    "Goede vraag! In het kort: {detail}. Op je bezoekdag vertellen we er graag meer over.",
    "Thanks for asking. {detail}. Your host will tell you more on the day.",
    "Dat verschilt per team, maar meestal {detail}.",
)
DETAILS = (
    "werken we drie dagen op kantoor en twee thuis",
    "je krijgt de eerste weken een buddy die je wegwijs maakt",
    "de garage naast het gebouw heeft plek, en we vergoeden het ticket",
    "every team has a yearly budget of its own for courses and conferences",
    "we bespreken dat samen in het eerste gesprek",
)
NOTES = ("Kan jij dit beantwoorden?", "Jij weet hier meer van dan ik.", "")

STORY_TITLES = (
    "Mijn eerste jaar bij {team}",
    "Van stagiair tot teamlead",
    "Een dag in de testhal",
    "Why I moved from consultancy to {team}",
    "Deeltijd werken als engineer",
    "Wat ik leerde van onze grootste storing",
    "Thuiswerken met een jong gezin",
    "Hoe wij nieuwe collega's inwerken",
    "Learning Dutch on the job",
    "Het project waar ik het trotst op ben",
)
STORY_TEASERS = (
    "Over mijn team, mijn werk en wat me verraste.",
    "What surprised me most in my first months.",
    "Eerlijk verhaal over wat goed ging en wat niet.",
)
STORY_PARAGRAPHS = (
    "Toen ik hier begon wist ik weinig van laadpalen. Het team nam de tijd om me alles uit "
    "te leggen, en na een paar weken draaide ik mee in de planning.",
    "Wat me het meest verraste was hoe open iedereen is over fouten. Na elke storing schrijven "
    "we samen op wat er gebeurde, zonder schuldige aan te wijzen.",
    "We work in small teams with a lot of freedom. That means you decide a lot yourself, "
    "and that you ask for help early when you are stuck.",
    "Mijn dagen beginnen met een korte stand-up. Daarna werk ik aan mijn eigen taken, en 's "
    "middags zit ik vaak met klanten of collega's van andere afdelingen.",
    "Het leukste vind ik dat ons werk echt iets uitmaakt: elke laadpaal die we aansluiten is "
    "een auto minder op benzine.",
    "Als ik iets zou willen meegeven aan nieuwe collega's: stel vragen, ook de domme. "
    "Niemand verwacht dat je alles al weet.",
)
REVIEW_NOTES = ("Mooi verhaal! Kun je de alinea over de storing iets korter maken?", "")
CONSENT = "Ik geef toestemming om mijn gegevens een jaar te bewaren voor toekomstige vacatures."

# Drawings for story covers, in the portal's own cover format (portal.demo_stories).
COVERS: tuple[Cover, ...] = (
    {"sky_top": "#0b3d91", "sky_bottom": "#f6a96b", "land": "#2f5d3a", "alt": "Zonsopkomst"},
    {"sky_top": "#5aa9e6", "sky_bottom": "#dff3ff", "land": "#6b8f3a", "alt": "Polder"},
    {"sky_top": "#283048", "sky_bottom": "#859398", "land": "#3b3b3b", "alt": "Schemering"},
)
PHOTO_COLOURS = ((224, 176, 140), (198, 134, 66), (141, 85, 36), (241, 194, 125), (255, 219, 172))


def name(rng: Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def email_of(full_name: str, n: int, domain: str) -> str:
    local = ".".join(full_name.lower().replace("ë", "e").split())
    return f"{local}.{n}@{domain}"


def bio(rng: Random, team: str) -> str:
    opening = rng.choice(BIO_OPENINGS).format(
        year=rng.randint(2010, 2024), team=team, n=rng.randint(2, 15)
    )
    middle = " ".join(rng.sample(BIO_MIDDLES, 2))
    return f"{opening} {middle}\n\n{rng.choice(BIO_CLOSINGS)}".strip()


STORY_HEADINGS = ("Hoe het begon", "Wat ik nu doe", "What I learned", "Waarom ik blijf")


def story_body(rng: Random) -> str:
    """Three or four sections of a few paragraphs: a few hundred words."""
    sections = []
    for heading in STORY_HEADINGS[: rng.randint(3, 4)]:
        paragraphs = rng.sample(STORY_PARAGRAPHS, rng.randint(3, len(STORY_PARAGRAPHS)))
        sections.append(f"## {heading}\n\n" + "\n\n".join(paragraphs))
    return "\n\n".join(sections) + "\n\n*Vragen? Stel ze gerust.*"


def answer(rng: Random) -> str:
    return rng.choice(ANSWERS).format(detail=rng.choice(DETAILS))


def portrait(n: int, size: int = 600) -> bytes:
    """A small drawn portrait (a face and shoulders on a plain ground), different per ``n``."""
    from PIL import Image, ImageDraw

    ground = ((210, 225, 240), (235, 220, 200), (215, 235, 215), (240, 215, 225))[n % 4]
    skin = PHOTO_COLOURS[n % len(PHOTO_COLOURS)]
    shirt = ((40, 70, 120), (120, 40, 60), (60, 110, 70), (90, 90, 90))[(n // 2) % 4]
    picture = Image.new("RGB", (size, size), ground)
    draw = ImageDraw.Draw(picture)
    draw.ellipse([size * 0.15, size * 0.7, size * 0.85, size * 1.3], fill=shirt)
    draw.ellipse([size * 0.32, size * 0.2, size * 0.68, size * 0.62], fill=skin)
    out = BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return out.getvalue()
