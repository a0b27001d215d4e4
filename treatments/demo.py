"""Demo content: fictional sample clinicians, and the pages written for the site.

Everything here is fictional sample data written in the project's own words.
The figures (sessions, intervals, numbing, downtime) are the usual ones for
each treatment; the two treatments the demo clinic offers are microneedling
and fractional laser. `load()` only adds what is missing: a page that exists
(by slug) is left exactly as editors left it, so running it again changes
nothing.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from treatments.models import (
    FAQ,
    Clinician,
    Comment,
    CommentStatus,
    Condition,
    ConditionTreatment,
    ConsultationFee,
    Discomfort,
    Invasiveness,
    KeyTakeaway,
    Numbing,
    PublicationStatus,
    Reference,
    RegistrationBody,
    Suitability,
    Treatment,
)

HARTWELL = "Dr Imogen Hartwell"
OKONJO = "Dr Rafael Okonjo"
PETROV = "Nadia Petrov"

CLINICIANS = [
    {
        "name": HARTWELL,
        "credentials": "MBBS, MD (Dermatology)",
        "role": "Consultant dermatologist",
        "bio": "Fictional sample clinician. Leads the clinic's acne scar service and reviews its medical content.",
        "registration_body": RegistrationBody.GMC,
        "registration_number": "0900001",
        "special_interests": "acne scarring, scar revision, skin of colour",
    },
    {
        "name": OKONJO,
        "credentials": "MBChB, MRCP (Derm)",
        "role": "Dermatologist",
        "bio": "Fictional sample clinician. Performs laser and resurfacing treatments.",
        "registration_body": RegistrationBody.GMC,
        "registration_number": "0900002",
        "special_interests": "laser treatments, chemical peels, rosacea",
    },
    {
        "name": PETROV,
        "credentials": "RN, Dip. Aesthetic Practice",
        "role": "Aesthetic nurse specialist",
        "bio": "Fictional sample clinician. Runs skin needling clinics and writes patient guides.",
        "registration_body": RegistrationBody.NMC,
        "registration_number": "00S0001E",
        "special_interests": "skin needling, aftercare, patient education",
    },
]


def pubmed(title):
    """A PubMed search for a paper's exact title, for a reference whose DOI and PubMed ID
    are not recorded yet: a stable link without guessing identifiers."""
    from urllib.parse import quote_plus

    return f"https://pubmed.ncbi.nlm.nih.gov/?term={quote_plus(title)}"


JACOB_2001 = (
    "Jacob CI, Dover JS, Kaminer MS. Acne scarring: a classification system and review of treatment options. "
    "Journal of the American Academy of Dermatology. 2001;45(1):109–117.",
    {"pmid": "11423843"},
)
FABBROCINI_2010 = (
    "Fabbrocini G, Annunziata MC, D'Arco V, et al. Acne scars: pathogenesis, classification and treatment. "
    "Dermatology Research and Practice. 2010;2010:893080.",
    {"doi": "10.1155/2010/893080"},
)
LEE_2002 = (
    "Lee JB, Chung WG, Kwahck H, Lee KH. Focal treatment of acne scars with trichloroacetic acid: chemical "
    "reconstruction of skin scars method. Dermatologic Surgery. 2002;28(11):1017–1021.",
    {"pmid": "12460296"},
)
HARRIS_1991 = (
    "Harris DW, Buckley CJ, Ostlere LS, Rustin MH. Topical retinoic acid in the treatment of fine acne scarring. "
    "British Journal of Dermatology. 1991;125(1):81–82.",
    {"url": pubmed("Topical retinoic acid in the treatment of fine acne scarring")},
)
FIFE_2011 = (
    "Fife D. Practical evaluation and management of atrophic acne scars: tips for the general dermatologist. "
    "Journal of Clinical and Aesthetic Dermatology. 2011;4(8):50–57.",
    {"url": pubmed("Practical evaluation and management of atrophic acne scars: tips for the general dermatologist")},
)
FERNANDES_2005 = (
    "Fernandes D. Minimally invasive percutaneous collagen induction. "
    "Oral and Maxillofacial Surgery Clinics of North America. 2005;17(1):51–63.",
    {"url": pubmed("Minimally invasive percutaneous collagen induction")},
)
MANSTEIN_2004 = (
    "Manstein D, Herron GS, Sink RK, Tanner H, Anderson RR. Fractional photothermolysis: a new concept for "
    "cutaneous remodeling using microscopic patterns of thermal injury. Lasers in Surgery and Medicine. "
    "2004;34(5):426–438.",
    {"doi": "10.1002/lsm.20048"},
)

# --- Treatments -------------------------------------------------------------------
# `review_age_days` sets how long ago the page was reviewed when it is created;
# pages are reviewed yearly, so two demo pages fall due soon and one is overdue.

TREATMENTS = [
    {
        "slug": "microneedling",
        "title": "Microneedling",
        "other_names": "skin needling, collagen induction therapy",
        "summary": (
            "A pen-like device makes thousands of tiny, controlled punctures that prompt the skin to lay down new "
            "collagen, so scars slowly fill from below. Usually 3–4 sessions at least 6 weeks apart, with a few "
            "days of redness."
        ),
        "meta_description": (
            "Microneedling (skin needling) for acne scars: 3–4 sessions 6 weeks apart, numbing, what each session "
            "is like, downtime and aftercare."
        ),
        "offered_here": True,
        "price_from": Decimal("250"),
        "price_to": Decimal("300"),
        "sessions_min": 3,
        "sessions_max": 4,
        "weeks_between_sessions": 6,
        "session_minutes_min": 20,
        "session_minutes_max": 60,
        "numbing": Numbing.CREAM_OR_LOCAL,
        "numbing_minutes_min": 30,
        "numbing_minutes_max": 45,
        "downtime_days_min": 1,
        "downtime_days_max": 3,
        "results_weeks_min": 4,
        "results_weeks_max": 6,
        "discomfort": Discomfort.MILD,
        "discomfort_note": "pressure and a light prickling once the numbing cream has worked; bony areas feel it more",
        "results_note": "About a month after the first session; the full result builds for 3–6 months after the last",
        "invasiveness": Invasiveness.MINIMALLY_INVASIVE,
        "suitable_skin_types": "All skin types and tones, including thin and sensitive skin",
        "author": PETROV,
        "reviewer": HARTWELL,
        "review_age_days": 40,
        "body": """\
## What it is

Microneedling is a clinic treatment in which very fine, sterile needles pass in and out of the skin many times a
second, leaving thousands of microscopic channels. The outer layer of skin stays largely intact, which is why
recovery is quick and why it suits every skin tone. [ref:1]

For acne scars it is usually given as a course, and it often sits alongside other treatments: punch techniques or
TCA CROSS for the deepest ice pick scars, microneedling for the texture around them.

## How it works

Each tiny channel is a controlled injury. The skin responds as it does to any wound: it releases growth factors and
starts making new collagen and elastin. Over the following weeks that new tissue builds up underneath sunken scars
and lifts them towards the surface. The effect is gradual and adds up with each session. [ref:1]

## Before your session

- At your consultation your clinician looks at your scars, checks your medical history and agrees the number of
  sessions with you.
- Stop retinoids and exfoliating acids a few days beforehand, as your clinician advises.
- Tell us if you have active acne, a skin infection or cold sores, or if you take medicines that affect bleeding
  or healing.

## During your session

Your skin is cleansed and a numbing cream is applied, or a local anaesthetic is used for deeper work. Once the
skin is numb, the clinician moves the device over each area in a set pattern. Most people feel pressure and a
light scratching or vibrating sensation rather than pain. A session takes from about 20 minutes to an hour,
depending on the area treated.

## After your session

Your skin will look flushed, as after a day in the wind, and may feel warm and tight. This settles over one to
three days, and most people are back to normal activities within a few days: some book sessions for a Friday so
that the weekend covers the redness. The next session follows at least six weeks later, once the new collagen has
had time to form.
""",
        "aftercare": """\
- Wear a broad-spectrum sunscreen (SPF 30 or higher) every day for several weeks, and avoid strong sun.
- Wash with a gentle cleanser and lukewarm water; pat dry.
- Use a plain, fragrance-free moisturiser while the skin feels dry or tight.
- Leave make-up off for at least 24 hours; after that, mineral make-up is usually fine.
- Avoid swimming pools, saunas and hard exercise for 48 hours.
- Restart retinoids and acids only when your clinician says so, usually after about a week.
""",
        "side_effects": """\
- **Expected:** redness, warmth and mild swelling for one to three days; tiny spots of bleeding during treatment;
  dry or flaky skin for a few days.
- **Less common:** a flare of spots, or small bruises.
- **Rare:** infection, a cold sore outbreak in people prone to them, or patches of darker or lighter skin. Call the
  clinic if redness worsens after day three, or if the skin becomes hot, painful or weeps.
""",
        "faqs": [
            (
                "Does microneedling hurt?",
                "With numbing cream on, most people describe pressure and a scratchy or prickly feeling rather than "
                "pain. Bony areas such as the forehead and jawline are more sensitive. If you find it uncomfortable, "
                "tell your clinician: they can pause, add more numbing, or use a local anaesthetic.",
            ),
            (
                "Can I wear make-up afterwards?",
                "Wait at least 24 hours, so that the tiny channels in the skin can close. After that a mineral "
                "make-up applied with clean brushes is usually fine. Heavier foundations are best left for a few more "
                "days.",
            ),
            (
                "Is a home dermaroller the same thing?",
                "No. Home rollers have shorter needles, are hard to keep sterile, and drag across the skin "
                "rather than going straight in and out. They can irritate the skin and cause infection, and "
                "they do little for deep scars. A clinic treatment reaches the right depth with sterile, "
                "single-use needles.",
            ),
        ],
        "takeaways": [
            "Builds new collagen under scars through thousands of tiny, controlled punctures.",
            "Usually 3–4 sessions, at least 6 weeks apart; a course takes about 4–6 months.",
            "Redness for 1–3 days; most people are back to normal within a few days.",
        ],
        "references": [FERNANDES_2005],
    },
    {
        "slug": "fractional-laser",
        "title": "Fractional laser",
        "other_names": "fractional laser resurfacing, fractional photothermolysis",
        "summary": (
            "A laser beam divided into thousands of microscopic columns treats a fraction of the skin at a time, so "
            "it heals quickly while collagen is rebuilt around scars. Usually 4–5 sessions a month apart; skin stays "
            "pink for 3–5 days."
        ),
        "meta_description": (
            "Fractional laser for acne scars: 4–5 sessions a month apart, 45–60 minutes of numbing cream, about 30 "
            "minutes of treatment, 3–5 days of pinkness."
        ),
        "offered_here": True,
        "price_from": Decimal("350"),
        "price_to": Decimal("450"),
        "sessions_min": 4,
        "sessions_max": 5,
        "weeks_between_sessions": 4,
        "session_minutes_min": 30,
        "session_minutes_max": 30,
        "numbing": Numbing.CREAM,
        "numbing_minutes_min": 45,
        "numbing_minutes_max": 60,
        "downtime_days_min": 3,
        "downtime_days_max": 5,
        "results_weeks_min": 6,
        "results_weeks_max": 8,
        "discomfort": Discomfort.MODERATE,
        "discomfort_note": "warm pins and needles, kept bearable by numbing cream and a cooling device",
        "results_note": "A few weeks after the second session; the full result 3–6 months after the last",
        "invasiveness": Invasiveness.NON_INVASIVE,
        "suitable_skin_types": "Most skin types; darker skin tones need gentler settings to avoid dark marks",
        "author": OKONJO,
        "reviewer": HARTWELL,
        "review_age_days": 40,
        "body": """\
## What it is

Fractional laser treatment resurfaces scarred skin a little at a time. Instead of treating the whole surface at
once, the laser beam is split into thousands of microscopic treatment zones with untouched skin in between. That
untouched skin speeds healing, so recovery takes days rather than weeks. [ref:1]

## How it works

Each microscopic zone reaches through the outer layer (epidermis) into the deeper layer (dermis), where scars sit.
The skin repairs each zone with fresh collagen and replaces damaged surface cells, so over a course of sessions
scars become shallower and the skin smoother and more even. [ref:1]

## Before your session

- Your clinician checks your skin type, scars and medical history, and plans settings that suit your skin tone.
- Avoid tanning and strong sun for several weeks beforehand.
- If you get cold sores, say so: you may be given an antiviral medicine to take around the treatment.
- On the day, your skin is washed and a numbing cream is applied. It sits for **45 to 60 minutes** to work fully,
  then it is wiped off.

## During your session

A clear gel is spread over the skin so that the hand piece glides smoothly, and the clinician passes it over each
area. A cooling device blows cold air on the skin throughout to keep it comfortable. Most people feel heat and a
prickling, pins-and-needles sensation. Treating the face for acne scars takes **about 30 minutes**.

## After your session

Straight afterwards the skin feels hot, like sunburn. It stays pink for **three to five days**, and there may be
some swelling for **two or three days**, most noticeable around the eyes in the mornings. Cool packs help: hold
one on the skin for about ten minutes at a time, on and off, during the first 24 hours. Sessions are spaced about
a month apart.
""",
        "aftercare": """\
- In the first 24 hours, use a cool pack wrapped in a clean cloth for about ten minutes at a time to ease heat
  and swelling.
- Wear a high-protection sunscreen every day for several weeks, and keep out of strong sun.
- Use a gentle cleanser and a rich, fragrance-free moisturiser: the skin often feels dry for a week.
- Leave make-up off until the skin has calmed, usually 24 to 48 hours.
- Do not pick or scrub flaking skin; let it come away on its own.
""",
        "side_effects": """\
- **Expected:** a sunburn-like feeling on the day; pinkness for 3–5 days; swelling for 2–3 days; dryness and fine
  flaking as the skin renews.
- **Less common:** a flare of spots or small blisters.
- **Rare:** darker or lighter patches of skin (more likely in darker skin tones, and usually temporary), a cold sore
  outbreak, or infection. Call the clinic if the skin weeps, crusts or becomes more painful after the first days.
""",
        "faqs": [
            (
                "Does fractional laser hurt?",
                "The numbing cream and the cold air from the cooling device keep it bearable for most people. Expect "
                "heat and a prickling sensation while the laser passes, and a sunburn-like feeling for a few hours "
                "afterwards.",
            ),
            (
                "Which works faster: fractional laser or microneedling?",
                "The course of fractional laser is usually a little shorter (4–5 sessions a month apart: about "
                "12–16 weeks from the first session to the last) than microneedling (3–4 sessions at least 6 weeks "
                "apart: about 12–18 weeks). Both need time "
                "after the last session for collagen to mature, so the final result arrives months later either way. "
                "Microneedling has the shorter recovery after each session. Our comparison page sets the figures side "
                "by side.",
            ),
            (
                "Can I wear make-up afterwards?",
                "Give the skin 24 to 48 hours to calm down first. After that a light mineral make-up is usually fine; "
                "remove it gently at night.",
            ),
        ],
        "takeaways": [
            "Treats thousands of microscopic zones at a time, leaving healthy skin in between for quick healing.",
            "Usually 4–5 sessions about a month apart, each about 30 minutes after 45–60 minutes of numbing cream.",
            "Skin stays pink for 3–5 days; sunscreen for several weeks afterwards is essential.",
        ],
        "references": [MANSTEIN_2004],
    },
    {
        "slug": "punch-excision",
        "title": "Punch excision",
        "other_names": "punch removal",
        "summary": (
            "Each deep scar is cut out with a tiny round instrument and the edges are stitched together, leaving a "
            "fine, flat line in place of the pit. One session under local anaesthetic."
        ),
        "offered_here": False,
        "sessions_min": 1,
        "sessions_max": 1,
        "session_minutes_min": 20,
        "session_minutes_max": 60,
        "numbing": Numbing.LOCAL,
        "downtime_days_min": 5,
        "downtime_days_max": 7,
        "results_weeks_min": 1,
        "results_weeks_max": 8,
        "discomfort": Discomfort.MILD,
        "discomfort_note": "a sting from the anaesthetic injection, then only pressure and tugging",
        "results_note": "The pit is gone at once; the fine line left behind settles over 2–3 months",
        "invasiveness": Invasiveness.SURGICAL,
        "suitable_skin_types": "All skin types; best for a limited number of deep, individual scars",
        "author": HARTWELL,
        "reviewer": OKONJO,
        "review_age_days": 60,
        "body": """\
## What it is

Punch excision is a small surgical procedure for individual deep scars, especially ice pick scars. It swaps a
deep, shadowed pit for a small, flat line that is far less noticeable. [ref:1]

## How it works

The doctor chooses a punch (a circular blade like a tiny biscuit cutter) just wider than the scar, removes the
scar down to the fat beneath, and closes the wound with one or two fine stitches. The new scar is level with the
skin and usually fades well.

## What to expect

- **Before:** the doctor maps the scars to treat and numbs each one with a small local anaesthetic injection.
- **During:** you feel pressure but not pain. Several scars can be treated in one visit.
- **After:** the stitches come out after five to seven days. Small scabs and some redness are normal in the first
  week. Resurfacing treatments such as laser or microneedling can follow a few weeks later to blend the area.
""",
        "aftercare": """\
- Keep the stitches clean and dry for the first 24–48 hours, then wash gently.
- Return for stitch removal after 5–7 days.
- Protect the area with sunscreen for several months while the new line matures.
""",
        "side_effects": """\
- Bruising, tenderness and a small line scar at each site.
- Rarely: infection, a slightly widened scar, or a scar that sits a little lower or higher than the skin around it.
""",
        "faqs": [],
        "takeaways": [],
        "references": [JACOB_2001],
    },
    {
        "slug": "punch-replacement-grafting",
        "title": "Punch replacement grafting",
        "other_names": "punch grafting",
        "summary": (
            "Each deep scar is removed and replaced with a tiny plug of skin taken from elsewhere, usually behind the "
            "ear. Suited to the deepest ice pick scars; a full treatment can involve 20 or more grafts."
        ),
        "offered_here": False,
        "sessions_min": 1,
        "sessions_max": 1,
        "session_minutes_min": 30,
        "session_minutes_max": 90,
        "numbing": Numbing.LOCAL,
        "downtime_days_min": 5,
        "downtime_days_max": 7,
        "results_weeks_min": 4,
        "results_weeks_max": 6,
        "discomfort": Discomfort.MILD,
        "discomfort_note": "a sting from the anaesthetic injection, then only pressure and tugging",
        "results_note": "Grafts take in about a week and blend in over 4–6 weeks",
        "invasiveness": Invasiveness.SURGICAL,
        "suitable_skin_types": "Most skin types; the graft is matched to the colour and texture of the face",
        "author": HARTWELL,
        "reviewer": OKONJO,
        "review_age_days": 60,
        "body": """\
## What it is

Punch replacement grafting fills very deep scars with healthy skin. It is one of the most effective options for
the deepest ice pick scars, where cutting the scar out and stitching it would pull on the skin around it. [ref:1]

## How it works

The doctor removes the scar with a small round punch, then takes a slightly larger plug of skin from a hidden
area, usually behind the ear, and sets it into the hole. The plug is held in place with a dressing or a fine
stitch while it takes. People with many deep scars may need **20 or more grafts**, done in one or more visits.

## What to expect

- **Before:** the scars and the donor area are numbed with local anaesthetic injections.
- **During:** you feel pressure and tugging but not pain.
- **After:** keep the grafts dry and covered as advised for the first days. Grafts may sit slightly raised at first;
  a resurfacing treatment four to six weeks later evens out the surface.
""",
        "aftercare": """\
- Keep dressings on and the area dry for as long as your doctor advises.
- Avoid rubbing, make-up and strenuous exercise for the first week.
- Use sunscreen daily for several months so the grafts match the skin around them.
""",
        "side_effects": """\
- Small scabs, redness and bruising for the first week.
- Grafts may be slightly raised, paler or darker than the skin around them at first; resurfacing usually corrects this.
- Rarely: a graft does not take, or infection.
""",
        "faqs": [],
        "takeaways": [],
        "references": [JACOB_2001],
    },
    {
        "slug": "punch-elevation",
        "title": "Punch elevation",
        "other_names": "",
        "summary": (
            "The floor of a scar is freed with a small round instrument and lifted to the level of the surrounding "
            "skin. Mostly used for boxcar scars with a flat base; sometimes combined with other techniques for "
            "ice pick scars."
        ),
        "offered_here": False,
        "sessions_min": 1,
        "sessions_max": 1,
        "session_minutes_min": 30,
        "session_minutes_max": 60,
        "numbing": Numbing.LOCAL,
        "downtime_days_min": 5,
        "downtime_days_max": 7,
        "results_weeks_min": 1,
        "results_weeks_max": 6,
        "discomfort": Discomfort.MILD,
        "discomfort_note": "a sting from the anaesthetic injection, then only pressure and tugging",
        "results_note": "The scar is level straight away; the edges settle over 4–6 weeks",
        "invasiveness": Invasiveness.SURGICAL,
        "suitable_skin_types": "All skin types; needs scars with a healthy, flat base",
        "author": OKONJO,
        "reviewer": HARTWELL,
        "review_age_days": 350,
        "body": """\
## What it is

Punch elevation combines ideas from punch excision and grafting: the scar's own base is kept, but raised so that
it sits level with the skin around it. [ref:1]

## How it works

The doctor cuts around the scar with a punch the same size as the scar, lifts the freed plug of skin slightly so
that it is flush (or a fraction higher, as it will settle), and holds it there with a fine stitch or skin glue.
Because it needs a flat, healthy base, it suits boxcar scars best; for ice pick scars it is used selectively,
alongside other methods.

## What to expect

- **Before:** local anaesthetic injections numb each scar.
- **During:** pressure, but no pain.
- **After:** small scabs for about a week; stitches, if used, come out after 5–7 days.
""",
        "aftercare": """\
- Keep the treated spots clean and dry for 24–48 hours.
- Do not rub or pick at the treated areas while they heal.
- Wear sunscreen daily for several months.
""",
        "side_effects": """\
- Redness, small scabs and bruising for about a week.
- Rarely: the lifted skin settles too high or too low, or becomes infected.
""",
        "faqs": [],
        "takeaways": [],
        "references": [JACOB_2001],
    },
    {
        "slug": "tca-cross",
        "title": "TCA CROSS",
        "other_names": "chemical reconstruction of skin scars, TCA spot treatment",
        "summary": (
            "A doctor presses a very strong acid (70–100% trichloroacetic acid) into the base of each ice pick scar, "
            "which triggers new collagen that fills the scar from below. Usually several sessions a month apart."
        ),
        "offered_here": False,
        "sessions_min": 3,
        "sessions_max": 6,
        "weeks_between_sessions": 4,
        "session_minutes_min": 15,
        "session_minutes_max": 30,
        "numbing": Numbing.NONE,
        "downtime_days_min": 5,
        "downtime_days_max": 7,
        "results_weeks_min": 4,
        "results_weeks_max": 8,
        "discomfort": Discomfort.MODERATE,
        "discomfort_note": "a sharp sting and burning at each scar for a few minutes; no numbing is used",
        "results_note": "Each session lifts the scars a little; the change shows about 4 weeks after each one",
        "invasiveness": Invasiveness.MINIMALLY_INVASIVE,
        "suitable_skin_types": "Most skin types; darker skin has a higher risk of dark marks, which usually fade",
        "author": OKONJO,
        "reviewer": HARTWELL,
        "review_age_days": 120,
        "body": """\
## What it is

CROSS stands for *chemical reconstruction of skin scars*. Rather than peeling the whole face, the doctor treats
only the inside of each scar, using trichloroacetic acid (TCA) at a very high strength, between **70% and 100%**.
It was designed for narrow, deep scars such as ice pick scars. [ref:1]

## How it works

A fine applicator places a tiny amount of acid at the bottom of each scar. The acid damages the lining of the scar
in a controlled way; as the skin heals it makes new collagen, which gradually raises the floor of the scar. Because
only the scar is treated, the skin around it heals quickly.

## What to expect

- **Before:** the skin is cleaned and de-greased. Numbing is rarely needed, because each application is tiny.
- **During:** each spot stings briefly and turns white ("frosts") for a few minutes.
- **After:** small dark scabs form over the treated scars and come away within about a week. Sessions are repeated
  about every four weeks until the scars are as level as they will go.
""",
        "aftercare": """\
- Leave the small scabs alone until they fall off on their own.
- Wash gently and use a plain moisturiser.
- Use a high-protection sunscreen every day for several weeks to avoid dark marks.
""",
        "side_effects": """\
- Stinging during treatment; small scabs for about a week.
- Temporary darker or lighter marks, especially in darker skin tones.
- Rarely: infection, or a scar made wider if too much acid is applied; this is why TCA CROSS must be done by a trained
  doctor, never at home.
""",
        "faqs": [],
        "takeaways": [],
        "references": [LEE_2002],
    },
    {
        "slug": "laser-resurfacing",
        "title": "Laser resurfacing",
        "other_names": "ablative laser, non-ablative laser, CO2 laser",
        "summary": (
            "Lasers remove or heat the skin on and around scars so that new skin and collagen replace it. "
            "Ablative lasers give bigger changes with longer recovery; non-ablative lasers need more sessions "
            "but less downtime."
        ),
        "offered_here": False,
        "sessions_min": 1,
        "sessions_max": 3,
        "weeks_between_sessions": 8,
        "session_minutes_min": 30,
        "session_minutes_max": 90,
        "numbing": Numbing.CREAM_OR_LOCAL,
        "numbing_minutes_min": 45,
        "numbing_minutes_max": 60,
        "downtime_days_min": 5,
        "downtime_days_max": 14,
        "results_weeks_min": 8,
        "results_weeks_max": 12,
        "discomfort": Discomfort.MARKED,
        "discomfort_note": "hot and sore during and for several days after ablative treatment, even with numbing",
        "results_note": "Redness can last several weeks after ablative treatment; results keep improving for 6 months",
        "invasiveness": Invasiveness.MINIMALLY_INVASIVE,
        "suitable_skin_types": "Lighter skin tones for ablative lasers; non-ablative lasers suit a wider range",
        "author": OKONJO,
        "reviewer": HARTWELL,
        "review_age_days": 120,
        "body": """\
## What it is

Laser resurfacing uses light energy to renew scarred skin. There are two broad kinds:

- **Ablative lasers** (such as CO2 and erbium lasers) remove thin layers of skin. One treatment can make a large
  difference, but healing takes one to two weeks.
- **Non-ablative lasers** heat the skin underneath without removing the surface. Recovery is much quicker, but more
  sessions are needed.

Both kinds encourage new collagen. Fractional laser, which the clinic offers, applies either kind in tiny columns
and has [its own page](/treatments/fractional-laser/). [ref:1]

## What to expect

- **Before:** numbing cream, and sometimes local anaesthetic for ablative treatment.
- **During:** heat and a snapping or prickling sensation.
- **After ablative treatment:** raw, weepy skin for several days, then peeling; pinkness can last weeks.
- **After non-ablative treatment:** redness and swelling for a day or two.
""",
        "aftercare": """\
- Follow the wound care you are given exactly, especially after ablative treatment.
- Keep out of the sun, and use a high-protection sunscreen for several months.
- Moisturise often; do not pick at peeling skin.
""",
        "side_effects": """\
- Redness, swelling and peeling; longer and stronger after ablative lasers.
- Darker or lighter patches of skin, more likely in darker skin tones.
- Rarely: infection, cold sore outbreaks or new scarring.
""",
        "faqs": [],
        "takeaways": [],
        "references": [JACOB_2001],
    },
    {
        "slug": "radiofrequency",
        "title": "Radiofrequency",
        "other_names": "radiofrequency microneedling, RF skin tightening",
        "summary": (
            "A newer option that heats the deeper skin with radio waves, often delivered through fine needles, to "
            "tighten it and encourage new collagen. Usually 3–4 sessions about a month apart."
        ),
        "offered_here": False,
        "sessions_min": 3,
        "sessions_max": 4,
        "weeks_between_sessions": 4,
        "session_minutes_min": 30,
        "session_minutes_max": 60,
        "numbing": Numbing.CREAM,
        "numbing_minutes_min": 30,
        "numbing_minutes_max": 60,
        "downtime_days_min": 1,
        "downtime_days_max": 3,
        "results_weeks_min": 8,
        "results_weeks_max": 12,
        "discomfort": Discomfort.MODERATE,
        "discomfort_note": "heat and prickling, eased by the numbing cream",
        "results_note": "Gradual; most change shows 2–3 months after the course",
        "invasiveness": Invasiveness.MINIMALLY_INVASIVE,
        "suitable_skin_types": "All skin types; a lower risk of dark marks than many lasers",
        "author": OKONJO,
        "reviewer": HARTWELL,
        "review_age_days": 120,
        "body": """\
## What it is

Radiofrequency treatment uses high-frequency radio waves to warm the deeper layers of the skin. It is one of the
newer options for acne scars. Most devices used for scars deliver the energy through very fine needles, combining
microneedling with heat.

## How it works

The heat tightens existing collagen and prompts the skin to make more, which smooths and firms the surface and
makes scars less visible. Because the energy goes below the surface, the outer skin is largely spared.

## What to expect

- **Before:** numbing cream for 30 to 60 minutes.
- **During:** warmth and prickling as the device is pressed over each area.
- **After:** redness and slight swelling for one to three days; tiny marks from the needles fade within days.
""",
        "aftercare": """\
- Gentle cleanser and moisturiser for a few days.
- Sunscreen every day for several weeks.
- No make-up for 24 hours.
""",
        "side_effects": """\
- Redness, swelling and a grid of tiny marks for a few days.
- Rarely: small burns, dark marks or infection.
""",
        "faqs": [],
        "takeaways": [],
        "references": [],
    },
    {
        "slug": "chemical-peel",
        "title": "Chemical peel",
        "other_names": "skin peel, medium-depth peel",
        "summary": (
            "A clinician applies an acid solution that removes the outer layers of skin, which then regrow smoother. "
            "Deeper peels help scars most but bring more redness and peeling."
        ),
        "offered_here": False,
        "sessions_min": 2,
        "sessions_max": 4,
        "weeks_between_sessions": 6,
        "session_minutes_min": 20,
        "session_minutes_max": 40,
        "numbing": Numbing.NONE,
        "downtime_days_min": 3,
        "downtime_days_max": 7,
        "results_weeks_min": 4,
        "results_weeks_max": 6,
        "discomfort": Discomfort.MODERATE,
        "discomfort_note": "stinging and heat for a few minutes while the acid works",
        "results_note": "Smoother texture once the skin has finished peeling, about 4 weeks after each peel",
        "invasiveness": Invasiveness.NON_INVASIVE,
        "suitable_skin_types": "Depends on the peel: deeper peels suit lighter skin tones better",
        "author": OKONJO,
        "reviewer": HARTWELL,
        "review_age_days": 120,
        "body": """\
## What it is

A chemical peel removes the top layers of the skin with an acid chosen and strengthened by the clinician. Light
peels freshen the surface; medium and deep peels reach further and do more for scars, with more recovery time.
For ice pick scars a peel mainly improves the skin around the scars, so it is usually part of a combined plan.

## How it works

The acid loosens and removes damaged surface cells. As the skin regrows it becomes smoother and more even, and
deeper peels also prompt some new collagen. [ref:1]

Peels sold for home use are much weaker, and strong acids used at home can burn. Have deeper peels done by a skin
specialist.

## What to expect

- **Before:** avoid retinoids and sun for a week or two, as advised.
- **During:** stinging or burning for a few minutes; a fan keeps you comfortable.
- **After:** tightness, redness and peeling for three to seven days.
""",
        "aftercare": """\
- Let the skin peel on its own; do not pull flakes off.
- Moisturise often and use a high-protection sunscreen daily.
- Avoid other exfoliating products until the skin has settled.
""",
        "side_effects": """\
- Redness, irritation and peeling, stronger with deeper peels.
- Darker or lighter patches, particularly in darker skin tones.
- Rarely: infection, or scarring after deep peels.
""",
        "faqs": [],
        "takeaways": [],
        "references": [FABBROCINI_2010],
    },
    {
        "slug": "dermabrasion",
        "title": "Dermabrasion",
        "other_names": "",
        "summary": (
            "A doctor planes away the top layers of skin with a fast-spinning abrasive tool, so the edges of scars "
            "are smoothed and pits look shallower. Several sessions and a longer recovery."
        ),
        "offered_here": False,
        "sessions_min": 2,
        "sessions_max": 3,
        "weeks_between_sessions": 12,
        "session_minutes_min": 30,
        "session_minutes_max": 90,
        "numbing": Numbing.LOCAL,
        "downtime_days_min": 7,
        "downtime_days_max": 14,
        "results_weeks_min": 8,
        "results_weeks_max": 12,
        "discomfort": Discomfort.MARKED,
        "discomfort_note": "numb during the procedure; sore and raw for the first days afterwards",
        "results_note": "Pinkness fades over several weeks; the result shows after about 3 months",
        "invasiveness": Invasiveness.SURGICAL,
        "suitable_skin_types": "Lighter skin tones; a higher risk of colour change in darker skin",
        "author": HARTWELL,
        "reviewer": OKONJO,
        "review_age_days": 345,
        "body": """\
## What it is

Dermabrasion is a resurfacing procedure in which a doctor removes the outer layer of skin (the epidermis) and part
of the layer below with a rotating abrasive tool. It has largely been replaced by lasers, but is still used.

## How it works

Taking down the skin around scars reduces the height difference between the rim of a scar and its floor, so pits
look shallower and less shadowed. New skin grows over the treated area in one to two weeks. Several sessions, months
apart, are usually needed for a marked change. [ref:1]

## What to expect

- **Before:** local anaesthetic, sometimes with sedation.
- **During:** no pain, but vibration and pressure.
- **After:** raw, oozing skin that needs dressings for several days; redness that fades over weeks.
""",
        "aftercare": """\
- Keep the skin moist with the ointment and dressings you are given.
- Stay out of the sun for several months and use a high-protection sunscreen.
""",
        "side_effects": """\
- Swelling, oozing and crusting in the first week; pinkness for several weeks.
- Darker or lighter patches, especially in darker skin.
- Rarely: infection or new scarring.
""",
        "faqs": [],
        "takeaways": [],
        "references": [JACOB_2001],
    },
    {
        "slug": "microdermabrasion",
        "title": "Microdermabrasion",
        "other_names": "",
        "summary": (
            "A gentle polishing of the skin's surface with a diamond-tipped wand. It brightens the skin and softens "
            "very shallow marks, but cannot reach the bottom of ice pick scars on its own."
        ),
        "offered_here": False,
        "sessions_min": 6,
        "sessions_max": 10,
        "weeks_between_sessions": 2,
        "session_minutes_min": 30,
        "session_minutes_max": 45,
        "numbing": Numbing.NONE,
        "downtime_days_min": 0,
        "downtime_days_max": 1,
        "results_weeks_min": 2,
        "results_weeks_max": 4,
        "discomfort": Discomfort.MILD,
        "discomfort_note": "a scratchy, vacuum-like feeling; most people find it relaxing",
        "results_note": "Skin looks brighter after each session; deep scars change little",
        "invasiveness": Invasiveness.NON_INVASIVE,
        "suitable_skin_types": "All skin types",
        "author": PETROV,
        "reviewer": HARTWELL,
        "review_age_days": 380,
        "body": """\
## What it is

Microdermabrasion is a light resurfacing treatment. A wand with a diamond tip (or a stream of fine crystals) buffs
away the outermost dead skin cells while gentle suction lifts them away.

## How it works

Removing the surface layer makes skin look brighter and feel smoother, and can soften very shallow marks. It does not
reach deep enough to lift ice pick scars, so it is mostly used alongside other treatments, for example after punch
excision, to even out the skin's surface.

## What to expect

- **Before:** nothing special; come without make-up.
- **During:** a scratchy, vacuum-like sensation; no numbing needed.
- **After:** mild pinkness for a few hours; you can go straight back to your day.
""",
        "aftercare": """\
- Moisturise and use sunscreen daily.
- Skip other exfoliating products for a couple of days.
""",
        "side_effects": """\
- Mild redness and sensitivity for a few hours.
- Rarely: small bruises from the suction, or irritation in sensitive skin.
""",
        "faqs": [],
        "takeaways": [],
        "references": [],
    },
]

# --- Conditions -------------------------------------------------------------------

CONDITIONS = [
    {
        "slug": "ice-pick-scars",
        "title": "Ice pick scars",
        "summary": (
            "Narrow, deep acne scars that look like tiny punctures in the skin. They rarely fade on their own and "
            "creams cannot fill them, but several clinic treatments can make them much less noticeable."
        ),
        "meta_description": (
            "Ice pick acne scars: why they form, what creams can and cannot do, and how the treatments compare on "
            "sessions, downtime and results."
        ),
        "author": PETROV,
        "reviewer": HARTWELL,
        "review_age_days": 30,
        "body": """\
## What ice pick scars are

Ice pick scars are the narrowest and deepest kind of sunken (atrophic) acne scar. At the surface each one is
usually **2 mm across or less**, but it runs steeply down into the deeper layer of the skin, the dermis, and
narrows towards the bottom like a V or a thin tube. The skin looks as if it had been pricked with a sharp point,
and from a distance the scars can pass for large pores. [ref:1]

Dermatologists sort sunken acne scars into three main types, because each responds to different treatments [ref:1]:

- **Ice pick scars:** narrow, deep, under 2 mm wide.
- **Boxcar scars:** wider, with steep edges and a flat floor.
- **Rolling scars:** broad, soft dips where bands of tissue tether the skin to deeper layers.

Most people with acne scarring have a mix of types. A plan that works well usually treats each type with the
method that suits it.

## How they develop

An ice pick scar begins as a blocked pore. Oil (sebum) and shed skin cells form a soft plug in a hair follicle,
seen as a blackhead or whitehead. Bacteria multiply behind the plug, the area becomes inflamed and pus collects.
Pressure from the pus can push the inflammation deep into the dermis. There it breaks down the follicle wall and
the collagen around it, and when the skin heals it cannot rebuild all the tissue it lost. A narrow pit is left
behind. [ref:2]

Two things make this more likely:

- **Deep, inflamed acne**, such as cysts and nodules, which reaches further into the skin.
- **Picking or squeezing spots**, which drives the inflammation deeper and slows healing.

How your own skin heals plays a part too, which is why two people with similar acne can scar very differently.

## Why they are hard to treat

The depth and narrowness that define ice pick scars are what make them stubborn:

- Treatments that work on the surface, such as microdermabrasion or a light peel, remove less skin than the scar
  is deep, so the bottom of the pit stays where it was.
- Fillers, which lift broad rolling scars well, have almost no room to work in a scar this narrow.
- Each scar is small but deep, so it often needs treating one by one.

The treatments that help most either **remove the scar** (punch excision and grafting), **rebuild it from its
base** (TCA CROSS), or **build new collagen deep in the skin** over a course of sessions (microneedling, fractional
laser and radiofrequency). Dermatologists often combine them: for example punch excision for the deepest scars,
followed a few weeks later by microneedling or laser to even out the skin around them. [ref:3]

No treatment removes ice pick scars completely. A realistic goal is a clear improvement, so that the scars are far
less visible in everyday light.

## What home remedies and over-the-counter products can and cannot do

Home remedies such as aloe vera gel, honey, yogurt or rosehip oil do **not** fill or lift ice pick scars. Some may
leave skin feeling softer or looking brighter, but the pit underneath stays the same.

Products from a pharmacy have a small but real role:

- **Retinoids** (retinol over the counter, tretinoin on prescription) speed up skin renewal and encourage collagen.
  Over months they can soften the look of shallow scars a little. [ref:4]
- **Daily sunscreen** stops scars and the marks around them from darkening, which makes them stand out less.
- **Gentle, non-comedogenic skin care** helps keep acne under control, so that new scars do not form.

What no cream can do is rebuild the tissue lost at the bottom of a deep scar. If ice pick scars bother you, a
professional treatment is the only way to change them noticeably.

## Prevention

The surest way to prevent ice pick scars is to treat acne early and well, before it becomes deep and inflamed:

- See your GP or a dermatologist if spots are painful, deep, or leave marks: effective prescription treatments
  exist, and the sooner they start, the less scarring.
- Do not pick, squeeze or pop spots, however tempting.
- Use a gentle cleanser, and moisturiser and make-up labelled non-comedogenic.
- Protect healing skin from the sun.
""",
        "faqs": [
            (
                "How long does it take for ice pick scars to improve?",
                "It depends on the treatment. Punch techniques change a scar in a single visit, and the small mark "
                "they leave settles over two to three months. Treatments that build collagen, such as microneedling "
                "and fractional laser, are given as a course over four to six months, and the skin keeps improving "
                "for several months after the last session. With combined treatments, expect the full result to take "
                "from several months to a year or more.",
            ),
            (
                "Can retinol help ice pick scars?",
                "A little, at most. Retinol speeds up skin renewal and encourages collagen, which can soften the "
                "edges of shallow scars over several months of regular use. It will not fill a deep ice pick scar. "
                "It is a sensible part of a skin care routine alongside professional treatment; your clinician "
                "will tell you when to pause it around procedures.",
            ),
            (
                "Does tretinoin work on ice pick scars?",
                "Tretinoin, a prescription retinoid, has some evidence that it improves the look of acne scars "
                "[ref:4]. Expect a modest change over months rather than a cure for deep scars. It can irritate the "
                "skin and must not be used in pregnancy, so use it under a doctor's guidance.",
            ),
            (
                "Does isotretinoin (Accutane) help ice pick scars?",
                "No. Isotretinoin is a very effective treatment for severe acne, so it helps prevent new scars, but "
                "there is not enough evidence that it improves existing scars, and it is not used for that. If you "
                "are taking it or have recently finished a course, tell your clinician: they will advise on the "
                "timing of any scar treatment.",
            ),
            (
                "Do dermarollers work on ice pick scars?",
                "A good-quality dermaroller may improve skin texture slightly, but home rollers have short needles, "
                "are hard to keep sterile and drag across the skin, so they do little for deep scars and can cause "
                "irritation or infection. Microneedling in a clinic reaches the right depth with sterile single-use "
                "needles and proper numbing, and is the better choice.",
            ),
        ],
        "takeaways": [
            "Ice pick scars are narrow (2 mm or less) but deep acne scars, left when deep inflammation destroys "
            "collagen.",
            "Home remedies and creams cannot fill them; professional treatments can make them much less visible, "
            "though none removes them completely.",
            "Punch techniques and TCA CROSS treat deep scars one by one; microneedling, fractional laser and "
            "radiofrequency improve the skin over a course of sessions. Many people do best with a combination.",
            "Treating acne early and not picking spots is the best prevention.",
        ],
        "references": [JACOB_2001, FABBROCINI_2010, FIFE_2011, HARRIS_1991, LEE_2002, FERNANDES_2005, MANSTEIN_2004],
        # (treatment, note, how well it works for ice pick scars, the reference that supports it)
        "treatments": [
            (
                "punch-excision",
                "Removes deep scars one by one, leaving a fine line that usually fades well",
                Suitability.WELL_SUITED,
                JACOB_2001,
            ),
            (
                "punch-replacement-grafting",
                "For the deepest scars; a full treatment may need 20 or more small grafts",
                Suitability.WELL_SUITED,
                JACOB_2001,
            ),
            (
                "punch-elevation",
                "Mostly used for boxcar scars; sometimes combined with other methods for ice pick scars",
                Suitability.SOMETIMES_USED,
                JACOB_2001,
            ),
            (
                "tca-cross",
                "Strong acid placed inside each scar to rebuild it from the base",
                Suitability.WELL_SUITED,
                LEE_2002,
            ),
            (
                "microneedling",
                "Offered here: builds collagen over 3–4 sessions with only a few days of redness",
                Suitability.WELL_SUITED,
                FERNANDES_2005,
            ),
            (
                "fractional-laser",
                "Offered here: remodels scarred skin over 4–5 monthly sessions",
                Suitability.WELL_SUITED,
                MANSTEIN_2004,
            ),
            (
                "laser-resurfacing",
                "Ablative lasers change more in one go but need a longer recovery",
                Suitability.SOMETIMES_USED,
                FABBROCINI_2010,
            ),
            (
                "radiofrequency",
                "A newer option that tightens and smooths the skin with heat",
                Suitability.SOMETIMES_USED,
                FIFE_2011,
            ),
            (
                "chemical-peel",
                "Deeper peels help most; mainly improves the skin around the scars",
                Suitability.SOMETIMES_USED,
                FABBROCINI_2010,
            ),
            (
                "dermabrasion",
                "Smooths the edges of scars; several sessions and a longer recovery",
                Suitability.SOMETIMES_USED,
                JACOB_2001,
            ),
            (
                "microdermabrasion",
                "Gentle polishing: little effect on deep scars on its own",
                Suitability.LIMITED_EFFECT,
                FABBROCINI_2010,
            ),
        ],
    },
]

# --- Loading ----------------------------------------------------------------------

PAGE_KEYS = {"author", "reviewer", "review_age_days", "faqs", "takeaways", "references", "treatments"}


def _create_page(model, data, clinicians):
    """Create a published page and its FAQs, takeaways and references; None if the slug exists."""
    if model.objects.filter(slug=data["slug"]).exists():
        return None
    reviewed_on = timezone.localdate() - timedelta(days=data["review_age_days"])
    page = model(
        **{key: value for key, value in data.items() if key not in PAGE_KEYS},
        status=PublicationStatus.PUBLISHED,
        author=clinicians[data["author"]],
        medical_reviewer=clinicians[data["reviewer"]],
        reviewed_on=reviewed_on,
        next_review_due=reviewed_on + timedelta(days=365),
    )
    if getattr(page, "price_from", None) is not None:
        page.prices_checked_on = reviewed_on
    page.full_clean()
    page.save()
    for order, (question, answer) in enumerate(data["faqs"], start=1):
        FAQ.objects.create(page=page.page, order=order, question=question, answer=answer)
    for order, text in enumerate(data["takeaways"], start=1):
        KeyTakeaway.objects.create(page=page.page, order=order, text=text)
    for order, (citation, source) in enumerate(data["references"], start=1):
        Reference.objects.create(page=page.page, order=order, citation=citation, **source)
    return page


CONSULTATION_FEE = {
    "amount": Decimal("75"),
    "covers": (
        "An appointment with one of our clinicians, who examines your skin, tells you which treatments suit it "
        "(including ones we do not offer), and gives you a written plan with the number of sessions and their "
        "price. If you go ahead within three months, the fee comes off your first session."
    ),
}


def load():
    created = {"clinicians": 0, "treatments": 0, "conditions": 0, "treatment links": 0, "consultation fee": 0}
    clinicians = {}
    for data in CLINICIANS:
        clinician, was_created = Clinician.objects.get_or_create(
            name=data["name"], defaults={**data, "is_sample": True}
        )
        if not was_created and clinician.is_sample and not clinician.registration_body:
            # A demo clinician from before profiles existed: give them the rest of their sample profile.
            for field in ("registration_body", "registration_number", "special_interests"):
                setattr(clinician, field, data[field])
            clinician.save(update_fields=["registration_body", "registration_number", "special_interests"])
        clinicians[clinician.name] = clinician
        created["clinicians"] += was_created
    if not ConsultationFee.objects.exists():
        ConsultationFee.objects.create(**CONSULTATION_FEE, checked_on=timezone.localdate())
        created["consultation fee"] = 1
    for data in TREATMENTS:
        created["treatments"] += _create_page(Treatment, data, clinicians) is not None
    treatments = {t.slug: t for t in Treatment.objects.filter(slug__in=[d["slug"] for d in TREATMENTS])}
    for data in CONDITIONS:
        condition = _create_page(Condition, data, clinicians)
        if condition is None:
            continue
        created["conditions"] += 1
        references = {r.citation: r for r in condition.references.all()}
        for order, (slug, note, suitability, (citation, _)) in enumerate(data["treatments"], start=1):
            link = ConditionTreatment(
                condition=condition,
                treatment=treatments[slug],
                order=order,
                note=note,
                suitability=suitability,
                suitability_reference=references[citation],
            )
            link.full_clean()
            link.save()
            created["treatment links"] += 1
    created.update(load_comments())
    return created


# --- Patient comments --------------------------------------------------------------
# Fictional patients with invented display names, written for this site.

DEMO_COMMENTS = [
    {
        "page": ("treatment", "fractional-laser"),
        "author_name": "Marnie K",
        "days_ago": 41,
        "body": (
            "I've had three fractional laser sessions for the pitted scars on my cheeks and the deepest ones "
            "are clearly shallower now.\n\n"
            "The numbing cream stayed on for about an hour first. With the cooling device going it felt like "
            "warm prickling, not the pain I'd braced myself for. Afterwards my face looked sunburnt and a bit "
            "puffy for two or three days, and short spells with an ice pack helped.\n\n"
            "Tip: my skin got very dry, so have a plain moisturiser and a mild cleanser ready, and wear "
            "sunscreen every day."
        ),
    },
    {
        "page": ("treatment", "microneedling"),
        "author_name": "Theo W",
        "days_ago": 33,
        "body": (
            "Skin needling worked for my ice pick scars. I had four sessions roughly eight weeks apart, "
            "always on a Friday, and by Monday the redness had calmed down enough for work.\n\n"
            "I was worried it would harm my skin, but apart from the scars looking shallower my skin feels "
            "firmer and my pores look smaller. I started to see a difference about a month after the first "
            "session."
        ),
    },
    {
        "page": ("condition", "ice-pick-scars"),
        "author_name": "Jess 88",
        "days_ago": 19,
        "is_question": True,
        "body": (
            "I don't mind some discomfort and I'm planning to ask about both skin needling and fractional "
            "laser. Which one usually shows results faster?"
        ),
        "answer": {
            "clinician": HARTWELL,
            "days_later": 1,
            "body": (
                "Thanks for asking. Both treatments work by making the skin build new collagen, so neither "
                "is instant. With fractional laser many people see smoother skin a few weeks after the "
                "second session; with microneedling the change tends to build gradually, often noticeable "
                "about a month after the first session.\n\n"
                "The courses differ too: laser sessions are usually about a month apart, microneedling "
                "sessions six weeks or more. You can see the two side by side here: "
                "/treatments/compare/?t=microneedling&t=fractional-laser\n\n"
                "At a consultation we can tell you which suits your scars and your skin type."
            ),
        },
    },
    {
        "page": ("treatment", "microneedling"),
        "author_name": "Nell R",
        "days_ago": 9,
        "is_question": True,
        "body": (
            "I've never had skin needling and I really don't cope well with pain. Does the numbing cream "
            "make it bearable?\n\n"
            "Also, I feel very self-conscious without make-up. Can I put mineral make-up on after a session?"
        ),
        "answer": {
            "clinician": PETROV,
            "days_later": 1,
            "body": (
                "That's a very common worry. Once the numbing cream has had time to work, most patients "
                "describe a scratchy, vibrating feeling rather than pain, and we can pause whenever you "
                "need to.\n\n"
                "Your skin will look pink, a bit like mild sunburn, for a day or two. Please leave make-up "
                "off for the first 24 hours while the tiny channels close; after that a clean mineral "
                "make-up is usually fine. Use a high-factor sunscreen every day for several weeks."
            ),
        },
    },
]


def load_comments():
    """Add the demo comments and clinic answers to pages that exist; skip the rest.

    A comment is known by its page and display name, so running this again adds nothing.
    """
    models = {"condition": Condition, "treatment": Treatment}
    created = 0
    now = timezone.now()
    for data in DEMO_COMMENTS:
        kind, slug = data["page"]
        page = models[kind].objects.filter(slug=slug).first()
        if page is None:
            continue
        posted_at = now - timedelta(days=data["days_ago"])
        comment, was_created = Comment.objects.get_or_create(
            page_id=page.page_id,
            author_name=data["author_name"],
            parent=None,
            defaults={
                "body": data["body"],
                "is_question": data.get("is_question", False),
                "status": CommentStatus.APPROVED,
                "moderated_at": posted_at,
            },
        )
        if was_created:
            Comment.objects.filter(pk=comment.pk).update(created_at=posted_at)
            created += 1
        answer = data.get("answer")
        clinician = answer and Clinician.objects.filter(name=answer["clinician"]).first()
        if not clinician:
            continue
        answered_at = posted_at + timedelta(days=answer["days_later"])
        reply, was_created = Comment.objects.get_or_create(
            page_id=page.page_id,
            parent=comment,
            clinician=clinician,
            defaults={
                "author_name": clinician.name,
                "body": answer["body"],
                "status": CommentStatus.APPROVED,
                "moderated_at": answered_at,
            },
        )
        if was_created:
            Comment.objects.filter(pk=reply.pk).update(created_at=answered_at)
            created += 1
    return {"comments": created}
