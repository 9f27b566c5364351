"""Demo culture stories: fictional Zuiderlicht Energie employees write for candidates.

Every person, customer and event in these stories is made up for the demo. Six are published,
one waits for HR's review and one came back with a request for changes, so that each screen of
the stories feature has something real-looking to show. ``days_ago`` counts back from the day
the demo is loaded: for a published story, when it was first published; otherwise, when it
was written. A ``cover`` describes a simple drawing the demo makes (a sky gradient, a low sun
and a strip of land); its ``alt`` text describes exactly that drawing.
"""

from typing import Any

STORIES: list[dict[str, Any]] = [
    {
        "author": "noor.bakker@zuiderlicht.example",
        "title": "De nacht dat 3.800 laadpalen tegelijk opnieuw wilden verbinden",
        "teaser": "Om 02:14 ging mijn telefoon. Over een storing, een verouderd runbook en wat "
        "we de ochtend erna anders zijn gaan doen.",
        "body": """Het was een gewone dinsdagnacht. Om 02:14 ging mijn telefoon: Daan had dienst
en belde me, omdat het dashboard van onze laadpalen in één keer van groen naar rood was gegaan.
Ruim 3.800 laadpalen hadden de verbinding met ons platform verloren.

Ik schrijf dit niet op omdat het zo'n spannend verhaal is, maar omdat ik in gesprekken met
kandidaten vaak de vraag krijg hoe we met storingen omgaan. Dit is een eerlijk antwoord.

## Wat er gebeurde

Om middernacht was er automatisch een certificaat vernieuwd op onze gateway, het stuk software
waarmee de laadpalen met ons praten. Dat ging goed, maar de gateway verbrak daarbij alle
verbindingen. Alle palen probeerden binnen dezelfde paar seconden opnieuw te verbinden, en onze
database kreeg duizenden verzoeken tegelijk. De connection pool liep vol, de gateway gaf
time-outs, en de palen probeerden het opnieuw. En opnieuw.

Daan had het patroon na twintig minuten door. Het runbook dat we voor zo'n situatie hadden,
bleek verouderd: het verwees naar een server die we een half jaar eerder hadden opgeruimd. Dat
was de vervelende ontdekking van die nacht. We hebben de gateway uiteindelijk stukje bij beetje
weer opengezet, regio voor regio, en om 04:40 was alles weer online.

In die tweeënhalf uur konden ongeveer tweehonderd mensen hun auto niet opladen, onder wie een
paar taxichauffeurs op een standplaats bij Utrecht Centraal. Eline heeft de volgende ochtend
zelf de klant gebeld om uit te leggen wat er was gebeurd, nog voordat die ons belde.

## De ochtend erna

Daan heeft die dag niet gewerkt, en ik pas vanaf de middag. Dat is bij ons de afspraak: wie 's
nachts wordt gebeld, begint de volgende dag later of helemaal niet, en daar hoef je niet om te
vragen.

Een week later hadden we de evaluatie. Zonder schuldvraag, want er was ook niemand die iets fout
had gedaan: het systeem was nu eenmaal zo gebouwd. Wat we hebben veranderd:

- laadpalen wachten nu een willekeurige tijd voordat ze opnieuw verbinden, zodat ze niet
  allemaal tegelijk komen;
- het runbook staat in dezelfde repository als de code en gaat mee in de review bij elke
  wijziging aan de gateway;
- we oefenen twee keer per jaar een storing, overdag, met koffie erbij.

## Wat je moet weten als je hier komt werken

Als je een paar maanden bent ingewerkt, draai je mee in de piketdienst. Dat is ongeveer één week
per zes weken. Je krijgt er een vergoeding voor, en je staat er nooit alleen voor: er is altijd
een tweede persoon die je kunt bellen, ook om drie uur 's nachts. De meeste weken zijn rustig,
maar niet allemaal. Als je echt nooit 's nachts gestoord wilt worden, is dit waarschijnlijk niet
de plek voor je, en dat bespreek ik liever nu dan over een jaar.""",
        "language": "nl",
        "department": "Engineering",
        "themes": ["projects", "wellbeing"],
        "team": "Laadplatform",
        "state": "published",
        "review_note": "",
        "days_ago": 48,
        "cover": {
            "sky_top": "#1B2A4A",
            "sky_bottom": "#E8A15C",
            "land": "#1F2E24",
            "alt": "Illustratie: een lichtgele zon laag links boven een donkergroene strook "
            "land, tegen een lucht die van donkerblauw naar oranje verloopt.",
        },
    },
    {
        "author": "noor.bakker@zuiderlicht.example",
        "title": "Four days a week, two kids and a manager's job",
        "teaser": "I work Monday to Thursday. Here is how that works for an engineering manager, "
        "and where it still gets awkward.",
        "body": """I work four days a week: Monday to Thursday, 32 hours. Fridays are for my two
daughters, who are four and seven. When I applied here three years ago, after eight years of
building payment systems, I brought it up in the first interview and half expected that to be
the end of it. The CTO said "fine, then we don't plan things on Fridays" and moved on to the
next question.

That conversation was easier than the reality, so here is what it actually looks like.

## The week

On Monday and Wednesday I'm in the office in Utrecht. Those are the days our team is there
together, so that's when I do one-on-ones, planning and anything that needs a whiteboard. On
Tuesday and Thursday I work from home. I stop at a quarter to three to pick the girls up from
school, and sometimes I work for another hour in the evening. Nobody asked me to; it suits me. I
do try not to send messages at that hour, so nobody thinks they have to answer.

**On Fridays my laptop stays closed.** Daan is my backup: if something urgent comes up for the
team, he decides and tells me on Monday. That only works because we agreed beforehand which
decisions he can take without me. It turned out to be almost all of them.

## Where it still gets awkward

It isn't perfect. A few things I've learned to live with:

- Some meetings with partners and customers end up on a Friday anyway, because people outside
  the company don't know or don't care. I miss some of them and read the notes.
- Four days means I have to be strict about what I say yes to, and I'm not always good at that.
  Last autumn, during a database migration, I worked most Friday mornings for six weeks. I
  should have said something much sooner.
- My salary and holidays are 80% of a full-time contract. That's fair, but worth knowing if
  you're doing the sums.

## Not just for parents

About a third of our engineering team works fewer than five days. Some have children, one is
doing a master's degree, and one simply wanted Wednesdays free to build furniture. Nobody has to
explain why. It does mean we write things down more than some teams would, because not everyone
was there when a decision was made.

If you want to know how this would work for you, ask me during your visit. I'd rather you know
than guess.""",
        "language": "en",
        "department": "Engineering",
        "themes": ["wellbeing", "hybrid_work"],
        "team": "Laadplatform",
        "state": "published",
        "review_note": "",
        "days_ago": 120,
        "cover": None,
    },
    {
        "author": "daan.verhoeven@zuiderlicht.example",
        "title": "Je eerste week bij het Laadplatform, dag voor dag",
        "teaser": "Ik ben buddy voor nieuwe collega's in ons team. Zo zag de eerste week van "
        "Sanne eruit, inclusief de dingen die misgingen.",
        "body": """Ik ben buddy voor iedereen die bij ons team begint. Dat betekent vooral: ik
ben degene aan wie je alles mag vragen, ook de dingen die je de derde keer nog steeds niet
snapt. Een paar weken geleden begon Sanne bij ons als backendontwikkelaar, en ze vond het goed
dat ik haar eerste week als voorbeeld gebruik.

## Maandag

Om half tien stond ik bij de receptie, met een laptop die de avond ervoor nog niet klaar bleek
te zijn. Dat gebeurt vaker dan ik zou willen: de laptops worden pas besteld als het contract
getekend is, en soms is dat krap. Sanne heeft de ochtend daarom op mijn reservelaptop gewerkt.
's Middags was die van haar er wel.

Verder: koffie, een rondje langs de bureaus, lunch met het team en een uur met Fatima over
praktische zaken, zoals je pasje, de fietsenstalling en hoe je verlof aanvraagt.

## Dinsdag en woensdag

Op dinsdag hebben we samen haar ontwikkelomgeving ingericht. Volgens onze README kost dat een
uur. Het kostte de hele dag, omdat een van de stappen niet meer werkte met een nieuwere versie
van Docker. Sanne heeft de README daarna zelf aangepast, en dat was meteen haar eerste pull
request.

Woensdag gingen we naar de testhal beneden, waar twaalf laadpalen van verschillende merken
staan. Je kunt veel lezen over OCPP, het protocol waarmee de palen met ons platform praten, maar
het helpt om een keer te zien wat een paal doet als je midden in een laadsessie de stroom eraf
haalt. Eline liet zien welke klanten welke palen hebben en waarom dat voor ons uitmaakt.

## Donderdag en vrijdag

Donderdag pakte Sanne haar eerste echte ticket op: in de app stond bij laadsessies na
middernacht de verkeerde datum. Klein, maar het raakt de hele keten, van de database tot het
scherm. We hebben het grootste deel samen gedaan, om de beurt achter het toetsenbord. Vrijdag
ging de fix live, en 's middags liet ze bij de demo zelf zien wat ze had veranderd.

## Wat je in week één niet hoeft

- Je draait nog geen piketdienst; dat komt pas na een paar maanden.
- Je hoeft niet alles te lezen. Onze documentatie is op sommige plekken verouderd, en ik vertel
  je liever welke stukken je kunt overslaan.
- Je hoeft niet elke dag op kantoor te zijn. De eerste twee weken raden we het wel aan, omdat je
  dan makkelijker iets kunt vragen, maar ook dan is thuiswerken op vrijdag gewoon.

Na die week vroeg ik Sanne wat er beter kon. Haar antwoord: een lijstje met wie waarover gaat.
Dat lijstje hebben we nu. Het past op één A4'tje en hangt naast de koffieautomaat.""",
        "language": "nl",
        "department": "Engineering",
        "themes": ["onboarding", "day_in_the_life"],
        "team": "Laadplatform",
        "state": "published",
        "review_note": "",
        "days_ago": 15,
        "cover": {
            "sky_top": "#6FA8DC",
            "sky_bottom": "#CFE3F1",
            "land": "#2F4A32",
            "alt": "Illustratie: een lichtgele zon laag links boven een donkergroene horizon, "
            "tegen een lucht die van blauw naar lichtblauw verloopt.",
        },
    },
    {
        "author": "daan.verhoeven@zuiderlicht.example",
        "title": "Van junior naar senior, met een paar omwegen",
        "teaser": "Zes jaar geleden begon ik hier als junior. Over wat me heeft geholpen, wat "
        "niet, en de collega die me leerde om op tijd iets te vragen.",
        "body": """Zes jaar geleden begon ik bij Zuiderlicht als junior developer, met een
hbo-diploma op zak en weinig idee van wat een laadpaal eigenlijk doet. Inmiddels ben ik senior
en buddy voor nieuwe collega's. Dat klinkt als een rechte lijn, maar dat was het niet.

## Het eerste jaar

Mijn eerste jaar bestond vooral uit stil zijn. Ik durfde in de stand-up niet te zeggen dat ik
vastzat, dus zat ik soms drie dagen op iets waar een collega tien minuten voor nodig had. Dat
veranderde door Marloes, een van de ervaren ontwikkelaars die toen in het team zat. Zij stelde
één regel voor: zit je langer dan een uur vast, dan vraag je het. Niet omdat het moet, maar
omdat je anders de tijd van het hele team verspilt, niet alleen die van jezelf. Daar heb ik meer
aan gehad dan aan welke cursus ook.

## Een slechte periode

In mijn derde jaar mocht ik de migratie van onze database met laadsessies leiden. Ik had het
werk te optimistisch ingeschat, we liepen twee maanden uit, en op een gegeven moment sliep ik
slecht van iets wat gewoon werk was. Noor, die toen net onze manager was, zag het eerder dan ik.
Ze heeft het project niet van me afgepakt, maar er een collega naast gezet en de planning met de
klant opnieuw besproken.

Achteraf heb ik in die maanden veel geleerd: over inschatten, over op tijd zeggen dat iets niet
lukt, en over het verschil tussen verantwoordelijkheid nemen en alles zelf willen doen.

## Wat senior hier betekent

Bij ons is senior geen beloning voor het aantal jaren dat je er zit. Er is een groeimodel met
een beschrijving per niveau, en dat bespreek je twee keer per jaar met je manager. Eerlijk
gezegd:

- Het model is nog vrij nieuw en soms vaag. "Neemt technische beslissingen met impact buiten het
  eigen team" kun je op meer manieren uitleggen, en daar hebben we regelmatig discussie over.
- Je hebt een opleidingsbudget van € 1.500 per jaar. Ik gebruik het meestal voor een conferentie
  en een paar boeken.
- Manager worden is niet de enige manier om verder te komen. Ik wilde zelf geen manager worden,
  en dat hoeft ook niet om meer te verdienen.

Wat ik een junior nu zou meegeven: vraag het na een uur, schrijf op wat je hebt geleerd, en kijk
na een jaar terug. Je ziet zelf vaak niet hoeveel je al kunt.""",
        "language": "nl",
        "department": "Engineering",
        "themes": ["growth", "learning"],
        "team": "Laadplatform",
        "state": "submitted",
        "review_note": "",
        "days_ago": 2,
        "cover": None,
    },
    {
        "author": "eline.jansen@zuiderlicht.example",
        "title": "Een gewone dinsdag als product owner",
        "teaser": "Van een gesprek met de netbeheerder tot veertig minuten discussie over één "
        "knop: zo ziet een werkdag van mij eruit.",
        "body": """Mensen vragen me regelmatig wat een product owner eigenlijk de hele dag doet.
Het eerlijke antwoord: veel praten, veel lezen en af en toe nee zeggen. Zo zag een gewone
dinsdag van een paar weken geleden eruit.

## Ochtend

Ik fiets in tien minuten vanuit Lombok naar kantoor en begin om kwart voor negen met wat er 's
nachts is binnengekomen. Die dinsdag was dat vooral een mail van Kooistra Logistiek, een
transportbedrijf met veertig elektrische bestelbussen op ons platform. Hun chauffeurs zagen 's
ochtends soms een laadpaal als bezet terwijl hij vrij was.

Om half tien was de stand-up. Een kwartier, staand, en als het uitloopt, ligt het meestal aan
mij. Daarna heb ik met Daan in de logs gekeken. Het bleek geen fout in onze software te zijn,
maar een laadpaal die zijn status te laat doorgaf. Dat moet je dan wel zo aan de klant uitleggen
dat het niet klinkt als "niet ons probleem".

Om elf uur had ik een overleg met de netbeheerder over een proef in Utrecht-Oost: als het net in
de wijk 's avonds te vol raakt, laten we de laadpalen daar tijdelijk langzamer laden. Dat is het
werk waar ik enthousiast van word, maar het gaat ook langzaam. Een besluit kan daar maanden
duren, en dat moet ik aan het team blijven uitleggen zonder dat iedereen er moedeloos van wordt.

## Middag

Na de lunch hadden we de refinement. We bespraken een nieuwe functie in de app: laadsessies
exporteren, zodat zakelijke rijders hun laadkosten kunnen declareren. We hebben veertig minuten
gediscussieerd over de vraag of dat een knop moest worden of een maandelijkse mail. Het werd een
knop; de mail komt misschien later. Zulke discussies horen erbij, en ik vind het goed dat
ontwikkelaars hier meedenken over wat we bouwen, en niet alleen over hoe.

Daarna had ik een uur niets gepland. Dat doe ik bewust, omdat er altijd iets tussenkomt. Die
dinsdag was dat een collega van sales die een klant al een functie had beloofd die nog niet op
de planning stond. Dat was geen gezellig gesprek, maar we kwamen eruit: we leggen het eerlijk
uit aan de klant, en ik kijk of het in het volgende kwartaal past.

Om vijf uur ging ik naar huis. Dat lukt niet elke dag, maar wel de meeste.

## Wat lastig is

Als product owner zit je tussen het team, klanten, netbeheerders en de directie in. Iedereen wil
iets, en niet alles past. Als je het moeilijk vindt om mensen teleur te stellen, is dit een
zware rol; dat merk ik zelf ook nog weleens. Wat helpt, is dat het team meekijkt: alle
prioriteiten staan op één pagina die iedereen kan zien, en als iemand het ergens niet mee eens
is, hoor ik dat snel.""",
        "language": "nl",
        "department": "Engineering",
        "themes": ["day_in_the_life", "projects"],
        "team": "Laadplatform",
        "state": "changes_requested",
        "review_note": "Leuk en herkenbaar verhaal, dank je! Wil je de naam Kooistra Logistiek "
        'weglaten, of er "een transportbedrijf" van maken? We hebben geen toestemming van de '
        "klant om ze te noemen. Verder kan het wat mij betreft zo online.",
        "days_ago": 6,
        "cover": None,
    },
    {
        "author": "fatima.elamrani@zuiderlicht.example",
        "title": "Van de zorg naar laadpalen: wat ik als recruiter opnieuw moest leren",
        "teaser": "Zes jaar wierf ik verpleegkundigen, nu ontwikkelaars. Over het verschil, mijn "
        "eerste misser hier en hoe jouw bezoekdag tot stand komt.",
        "body": """Zes jaar lang heb ik verpleegkundigen en verzorgenden geworven voor een
zorgorganisatie in Amersfoort. Toen ik twee jaar geleden bij Zuiderlicht begon, dacht ik dat
recruitment overal ongeveer hetzelfde is. Dat bleek niet zo te zijn.

## Wat ik moest leren

In de zorg wist ik precies wat een functie inhield. Hier zat ik in mijn eerste maand bij een
gesprek over "message queues" en "idempotente API's", en ik heb die avond thuis alles opgezocht.
Daan heeft daarna een paar keer een uur vrijgemaakt om met koffie en een whiteboard uit te
leggen hoe ons platform in elkaar zit. Ik ben geen ontwikkelaar geworden, maar ik kan nu wel de
goede vragen stellen, en ik weet wanneer ik moet zeggen: dat vraag ik even na bij het team.

Mijn eerste misser: ik nodigde een kandidaat uit voor een tweede gesprek en vergat de testhal te
reserveren voor de rondleiding. Eline heeft hem toen maar meegenomen naar het dak van de
parkeergarage om de laadpalen daar te laten zien, in de motregen. Hij werkt hier inmiddels, en
vertelt het nog steeds op elke borrel.

## Hoe jouw bezoekdag tot stand komt

Als je dit leest, ben je waarschijnlijk uitgenodigd voor een tweede gesprek. Misschien is het
goed om te weten hoe zo'n dag bij ons ontstaat:

- Het team bepaalt zelf wie je spreekt. Ik let erop dat er altijd iemand bij is die het werk
  doet dat jij gaat doen, en niet alleen een manager.
- De praktijkopdracht is bedoeld als gesprek. Je krijgt geen huiswerk mee en hoeft vooraf niets
  te maken.
- We proberen binnen vijf werkdagen na je bezoek een besluit te nemen. Dat lukt niet altijd.
  Duurt het langer, dan bel ik je om dat te zeggen, ook als ik inhoudelijk nog niets kan
  vertellen.

## Wat ik wel heb meegenomen uit de zorg

In de zorg leerde ik dat mensen een baan niet alleen kiezen om het werk, maar ook om de
roosters, de reistijd en de vraag of ze hun kind op tijd van de opvang kunnen halen. Dat is hier
niet anders. Vraag tijdens je bezoek dus gerust naar dat soort dingen, ook als je bang bent dat
het klinkt alsof je alleen daarin geïnteresseerd bent. Niemand hier vindt dat een rare vraag. Ik
heb liever dat je het nu vraagt dan dat je er na drie maanden achter komt dat het niet past.""",
        "language": "nl",
        "department": "People & Culture",
        "themes": ["learning", "day_in_the_life"],
        "team": "Recruitment",
        "state": "published",
        "review_note": "",
        "days_ago": 75,
        "cover": None,
    },
    {
        "author": "yusuf.demir@zuiderlicht.example",
        "title": "Learning Dutch at work: what we offer, and what is still hard",
        "teaser": "About one in five of us didn't grow up speaking Dutch. How the language "
        "lessons work, and what a colleague told me about them.",
        "body": """About one in five people at Zuiderlicht didn't grow up speaking Dutch; in
engineering it's closer to one in three. Most of them came for a job in English, and most of
them, sooner or later, want to learn Dutch. As HR business partner I'm responsible for how we
support that, so here is what it looks like in practice.

## What we offer

- A group course during working hours: one morning a week, ninety minutes, with a teacher who
  comes to the office. There are groups from complete beginner up to B1.
- One-to-one lessons online, if the group doesn't fit your level or your schedule.
- We pay for both, and for the NT2 state exam if you want to take it. You don't pay anything
  back if you leave.

Learning Dutch isn't a requirement. It doesn't come up in your review, and all engineering work
happens in English: code, documentation, tickets, and every meeting where someone doesn't speak
Dutch.

## What Priya told me

Priya moved from Chennai two years ago to join our data team. I asked her what I should write
here, and she was quite direct about it.

The lessons helped, she said, but what helped more was Daan switching to Dutch with her at
lunch, slowly, once she asked him to. And what made it harder was the opposite: meetings that
start in English and drift into Dutch after ten minutes because someone gets enthusiastic. She
calls it "the slide".

We've talked about the slide a lot since. It still happens. The agreement now is that anyone can
say "English, please" without having to explain, and that whoever leads the meeting is
responsible for switching back. It works better than it did, but not every time, and I'd rather
tell you that now than have you find out in your second week.

## Outside work

Some things we can't fix from the office. Finding a place to live in Utrecht is hard, and the
30% ruling, a tax arrangement for people recruited from abroad, has become less generous in
recent years. We help with the paperwork for your residence permit and the ruling, and a
relocation agency supports you during the first month. We don't arrange housing, and I won't
pretend it's easy to find.

If you're visiting us and don't speak Dutch, your whole visit day will be in English. And if
you'd like, ask to have lunch with Priya. She's happy to tell you the version without HR at the
table.""",
        "language": "en",
        "department": "People & Culture",
        "themes": ["diversity", "learning"],
        "team": "",
        "state": "published",
        "review_note": "",
        "days_ago": 30,
        "cover": {
            "sky_top": "#D9634A",
            "sky_bottom": "#F4C38A",
            "land": "#264653",
            "alt": "Illustration: a low pale yellow sun on the left above a dark blue-green "
            "strip of land, under a sky fading from red-orange to light orange.",
        },
    },
    {
        "author": "yusuf.demir@zuiderlicht.example",
        "title": "Hybrid work here: two office days, and the Tuesday desk problem",
        "teaser": "We ask everyone to be in the office two days a week. What that means in "
        "practice, what we pay for at home, and what we haven't solved.",
        "body": """Our hybrid policy fits in one sentence: you're in the office two days a week,
and your team decides which days. This story is about everything that sentence leaves out.

## How it works in practice

Most teams picked Tuesday and Thursday. Engineering picked Monday and Wednesday. That was partly
on purpose: the office has about sixty desks for around ninety-five people, and spreading the
teams out was the only way to make that work.

It mostly does, except on Tuesdays, when People & Culture, sales and finance are all in and the
third floor is full by ten. If you arrive late on a Tuesday, you'll probably end up working in
the canteen. We've looked at desk booking software and decided against it for now, because it
solves a problem that exists one day a week. That may change.

The office days are a team agreement, not a rule we check. Nobody counts badge swipes. If coming
in doesn't work one week, because of a sick child, a plumber or a deadline that needs quiet, you
tell your team and that's that. What we do ask is that you're there when your team has planned
something together, like a planning day or a retrospective.

## What we pay for

- The tax-free home working allowance for every day you work from home.
- A one-off budget of €750 for a desk, a chair or a screen. What you buy is yours to keep.
- Your travel to the office, by public transport or per kilometre by car or bike.

The details are in our [hybrid work policy](https://example.com/zuiderlicht/hybrid-work), which
we share with every candidate who asks for it.

## What we haven't solved

Hybrid meetings are still clumsy. The large meeting room has a decent camera and microphone; the
smaller rooms don't, and people at home often miss half of what is said. We've started a simple
habit: if one person joins remotely, everyone joins from their own laptop. It feels silly with
four people in the same room, but it's fairer.

The other thing is harder to fix. People who joined in the last few years sometimes tell me they
find it hard to get to know colleagues outside their own team. The monthly lunch for the whole
company helps a bit, and so does the summer party, but if you mostly work from home, you'll need
to make some effort yourself. We try to make that easier. We can't do it for you.""",
        "language": "en",
        "department": "People & Culture",
        "themes": ["hybrid_work", "wellbeing"],
        "team": "",
        "state": "published",
        "review_note": "",
        "days_ago": 190,
        "cover": None,
    },
]


def draw_cover(cover: dict[str, str], size: tuple[int, int] = (1600, 900)) -> bytes:
    """The drawing a cover's ``alt`` text describes, as a PNG for the real image pipeline."""
    from io import BytesIO

    from PIL import Image, ImageColor, ImageDraw

    width, height = size
    top = ImageColor.getrgb(cover["sky_top"])
    bottom = ImageColor.getrgb(cover["sky_bottom"])
    picture = Image.new("RGB", size)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        t = y / (height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    land_top = height - height // 5
    radius = height // 7
    centre = (width // 4, land_top - radius // 3)
    draw.ellipse(
        [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius],
        fill=(250, 236, 160),
    )
    draw.rectangle([0, land_top, width, height], fill=ImageColor.getrgb(cover["land"]))
    out = BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


async def seed_stories(db: Any, storage: Any, settings: Any, *, now: Any) -> int:
    """Add the demo stories that are not there yet (matched on author and title).

    They go in through the same image pipeline and models as real ones. Returns how many
    were added.
    """
    from datetime import timedelta

    import sqlalchemy as sa
    from sqlmodel import col

    from portal.markdown import word_count
    from portal.media import service as media
    from portal.media.images import process_image
    from portal.models import Story, StoryRevision, StoryStatus, User
    from portal.stories.service import free_slug

    emails = {s["author"] for s in STORIES}
    authors = {
        u.email: u for u in await db.scalars(sa.select(User).where(col(User.email).in_(emails)))
    }
    existing = set(
        (
            await db.execute(
                sa.select(col(Story.author_id), col(StoryRevision.title)).join(
                    StoryRevision, col(StoryRevision.story_id) == col(Story.id)
                )
            )
        ).all()
    )
    hr = await db.scalar(sa.select(User).where(col(User.role) == "hr").order_by(col(User.id)))
    added = 0
    for spec in STORIES:
        author = authors.get(spec["author"])
        if author is None or (author.id, spec["title"]) in existing:
            continue
        when = now - timedelta(days=spec["days_ago"])
        online = spec["state"] == "published"
        image = None
        if spec["cover"]:
            variants = process_image(
                draw_cover(spec["cover"]),
                max_bytes=settings.max_upload_bytes,
                max_pixels=settings.max_image_pixels,
                widths=media.COVER_WIDTHS,
            )
            image = await media.store(db, storage, owner=author, variants=variants, now=when)
        story = Story(
            author_id=author.id,
            status=StoryStatus(spec["state"]),
            live_number=1 if online else None,
            review_note=spec["review_note"],
            first_published_at=when if online else None,
            created_at=when,
            updated_at=when,
        )
        db.add(story)
        await db.flush()
        if online:
            story.slug = await free_slug(db, spec["title"])
        db.add(
            StoryRevision(
                story_id=story.id or 0,
                number=1,
                title=spec["title"],
                teaser=spec["teaser"],
                body=spec["body"],
                words=word_count(spec["body"]),
                language=spec["language"],
                department=spec["department"],
                team=spec["team"],
                themes=spec["themes"],
                image_id=image.id if image else None,
                image_alt=spec["cover"]["alt"] if spec["cover"] else "",
                created_at=when,
                updated_at=when,
                submitted_at=when if spec["state"] != "draft" else None,
                reviewed_at=when if spec["state"] in ("published", "changes_requested") else None,
                reviewer_id=hr.id if hr and spec["state"] != "submitted" else None,
                review_note=spec["review_note"],
                published_at=when if online else None,
            )
        )
        await db.flush()
        added += 1
    return added
