"""Person-name normalisation and matching, shared by in-document and cross-document merging."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from rapidfuzz import fuzz

# Words that head a role ("Finance Minister", "chief Japan strategist"). A title ends at the last
# of these in a capitalised run, so "Treasury Secretary Scott Bessent" splits after "Secretary".
TITLE_HEADS = frozenset(
    [
        "minister",
        "secretary",
        "president",
        "vice-president",
        "premier",
        "chancellor",
        "senator",
        "sen",
        "rep",
        "representative",
        "congressman",
        "congresswoman",
        "congressmember",
        "governor",
        "gov",
        "mayor",
        "chairman",
        "chairwoman",
        "chairperson",
        "chair",
        "ceo",
        "cfo",
        "coo",
        "cto",
        "founder",
        "co-founder",
        "director",
        "strategist",
        "analyst",
        "economist",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "adviser",
        "advisor",
        "aide",
        "envoy",
        "ambassador",
        "negotiator",
        "commissioner",
        "judge",
        "justice",
        "attorney",
        "lawyer",
        "prosecutor",
        "officer",
        "official",
        "chief",
        "head",
        "leader",
        "manager",
        "editor",
        "correspondent",
        "reporter",
        "professor",
        "prof",
        "dr",
        "doctor",
        "general",
        "gen",
        "colonel",
        "col",
        "lieutenant",
        "lt",
        "captain",
        "capt",
        "sergeant",
        "sgt",
        "admiral",
        "commander",
        "king",
        "queen",
        "prince",
        "princess",
        "sheikh",
        "pope",
        "bishop",
        "cardinal",
        "rabbi",
        "imam",
        "reverend",
        "rev",
        "father",
        "sister",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "sir",
        "dame",
        "lord",
        "lady",
        "baron",
        "baroness",
        "mp",
        "mep",
        "nominee",
        "candidate",
        "speaker",
        "deputy",
        "strategist",
        "researcher",
        "scientist",
        "partner",
        "investor",
        "trader",
        "banker",
        "executive",
        "treasurer",
        "auditor",
        "inspector",
        "sheriff",
        "councillor",
        "councilman",
        "councilwoman",
        "alderman",
        "chairmen",
        "director-general",
        "secretary-general",
        "under-secretary",
        "undersecretary",
        "whip",
        "governor-general",
        "coach",
        "captain-general",
        "detective",
        "constable",
        "superintendent",
        "commissioner-general",
        "president-elect",
        "democrat",
        "republican",
        "libertarian",
        "rival",
        "former",
        "pilot",
        "engineer",
        "librarian",
        "curator",
        "organiser",
        "organizer",
        "inspector",
        "architect",
        "economist",
    ]
)
HONORIFICS = frozenset(
    ["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord", "lady", "rev", "hon"]
)
MALE_CUES = frozenset(
    [
        "mr",
        "sir",
        "lord",
        "king",
        "prince",
        "father",
        "spokesman",
        "chairman",
        "congressman",
        "councilman",
        "businessman",
        "baron",
        "brother",
        "uncle",
    ]
)
FEMALE_CUES = frozenset(
    [
        "mrs",
        "ms",
        "miss",
        "dame",
        "lady",
        "queen",
        "princess",
        "sister",
        "spokeswoman",
        "chairwoman",
        "congresswoman",
        "councilwoman",
        "businesswoman",
        "baroness",
        "mother",
        "aunt",
    ]
)
MALE_GIVEN = frozenset(
    [
        "oskar",
        "jonas",
        "tomas",
        "aaron",
        "abdul",
        "abraham",
        "adam",
        "adrian",
        "ahmed",
        "al",
        "alan",
        "albert",
        "alberto",
        "alejandro",
        "alex",
        "alexander",
        "alfred",
        "ali",
        "allen",
        "alvin",
        "andre",
        "andrew",
        "andy",
        "angelo",
        "anthony",
        "anton",
        "antonio",
        "arnold",
        "arthur",
        "austin",
        "barack",
        "barry",
        "beau",
        "ben",
        "benjamin",
        "bernard",
        "bernie",
        "bert",
        "bill",
        "bob",
        "bobby",
        "boris",
        "brad",
        "bradley",
        "brandon",
        "brent",
        "brett",
        "brian",
        "bruce",
        "bryan",
        "byron",
        "calvin",
        "cameron",
        "carl",
        "carlos",
        "chad",
        "charles",
        "charlie",
        "chester",
        "chris",
        "christopher",
        "chuck",
        "clarence",
        "clark",
        "clay",
        "clifford",
        "clint",
        "cody",
        "cole",
        "colin",
        "corey",
        "cory",
        "craig",
        "curtis",
        "dale",
        "damon",
        "dan",
        "daniel",
        "danny",
        "darrell",
        "darren",
        "dave",
        "david",
        "dean",
        "dennis",
        "derek",
        "devin",
        "dick",
        "dominic",
        "don",
        "donald",
        "donnie",
        "doug",
        "douglas",
        "duane",
        "dustin",
        "dwight",
        "earl",
        "ed",
        "eddie",
        "edgar",
        "eduardo",
        "edward",
        "edwin",
        "elie",
        "elijah",
        "elliot",
        "elliott",
        "emmanuel",
        "emmett",
        "enrique",
        "eric",
        "ernest",
        "ethan",
        "eugene",
        "evan",
        "felix",
        "fernando",
        "francis",
        "francisco",
        "frank",
        "fred",
        "freddie",
        "frederick",
        "fumio",
        "gabriel",
        "gary",
        "gavin",
        "gene",
        "george",
        "gerald",
        "gilbert",
        "glen",
        "glenn",
        "gordon",
        "grant",
        "greg",
        "gregory",
        "gus",
        "guy",
        "hank",
        "harold",
        "harry",
        "harvey",
        "hector",
        "henry",
        "herbert",
        "herman",
        "hillel",
        "howard",
        "hugh",
        "hugo",
        "hunter",
        "ian",
        "isaac",
        "ivan",
        "jack",
        "jacob",
        "jake",
        "jamal",
        "james",
        "jared",
        "jason",
        "jay",
        "jeb",
        "jeff",
        "jeffrey",
        "jeremiah",
        "jeremy",
        "jerome",
        "jerry",
        "jesper",
        "jesse",
        "jesus",
        "jim",
        "jimmy",
        "joe",
        "joel",
        "john",
        "johnny",
        "jon",
        "jonathan",
        "jorge",
        "jose",
        "joseph",
        "josh",
        "juan",
        "julian",
        "julio",
        "justin",
        "karl",
        "katsunobu",
        "keir",
        "keith",
        "ken",
        "kenneth",
        "kevin",
        "kurt",
        "kyle",
        "lance",
        "larry",
        "lawrence",
        "leo",
        "leon",
        "leonard",
        "leroy",
        "lester",
        "lewis",
        "lindsey",
        "lloyd",
        "louis",
        "lucas",
        "luis",
        "luke",
        "manuel",
        "marc",
        "marco",
        "marcus",
        "mario",
        "mark",
        "marshall",
        "martin",
        "marvin",
        "mathew",
        "matt",
        "matthew",
        "maurice",
        "max",
        "melvin",
        "micah",
        "michael",
        "miguel",
        "mike",
        "milton",
        "mitch",
        "mitt",
        "mohammed",
        "morris",
        "muhammad",
        "narendra",
        "nate",
        "nathan",
        "ned",
        "neil",
        "nelson",
        "newt",
        "nicholas",
        "nick",
        "noah",
        "norman",
        "olaf",
        "oliver",
        "omar",
        "oscar",
        "owen",
        "pablo",
        "patrick",
        "paul",
        "pedro",
        "perry",
        "pete",
        "peter",
        "phil",
        "philip",
        "preston",
        "rafael",
        "ralph",
        "ramon",
        "rand",
        "randy",
        "raul",
        "ray",
        "raymond",
        "recep",
        "reggie",
        "reid",
        "reince",
        "rex",
        "ricardo",
        "richard",
        "rick",
        "ricky",
        "rishi",
        "rob",
        "robbie",
        "robert",
        "roberto",
        "rodney",
        "roger",
        "roland",
        "ron",
        "ronald",
        "ross",
        "roy",
        "ruben",
        "rubin",
        "rudolph",
        "rudy",
        "russell",
        "ryan",
        "ryosei",
        "salvador",
        "sam",
        "samuel",
        "scott",
        "sean",
        "seth",
        "shane",
        "shaun",
        "shigeru",
        "shinzo",
        "simon",
        "stanley",
        "stephen",
        "steve",
        "steven",
        "stuart",
        "taro",
        "ted",
        "theodore",
        "thomas",
        "tim",
        "timothy",
        "todd",
        "tom",
        "tommy",
        "tony",
        "travis",
        "trevor",
        "troy",
        "tyler",
        "victor",
        "vincent",
        "vladimir",
        "wade",
        "wallace",
        "walter",
        "warren",
        "wayne",
        "wesley",
        "william",
        "willie",
        "wilson",
        "xi",
        "yoshihide",
        "zach",
        "zachary",
    ]
)
FEMALE_GIVEN = frozenset(
    [
        "abigail",
        "adriana",
        "maya",
        "lena",
        "petra",
        "lina",
        "agnes",
        "aileen",
        "alexandra",
        "alexis",
        "alice",
        "alicia",
        "alison",
        "allison",
        "alyssa",
        "amanda",
        "amber",
        "amy",
        "andrea",
        "angela",
        "angelica",
        "angie",
        "anita",
        "ann",
        "anna",
        "anne",
        "annette",
        "antoinette",
        "april",
        "arlene",
        "ashley",
        "audrey",
        "barbara",
        "becky",
        "belinda",
        "bernadette",
        "beth",
        "bethany",
        "betsy",
        "betty",
        "beverly",
        "bonnie",
        "brenda",
        "brianna",
        "bridget",
        "brittany",
        "brooke",
        "camille",
        "candace",
        "carla",
        "carly",
        "carmen",
        "carol",
        "caroline",
        "carolyn",
        "carrie",
        "cassandra",
        "catherine",
        "cathy",
        "cecile",
        "cecilia",
        "charlotte",
        "chelsea",
        "cheryl",
        "christina",
        "christine",
        "cindy",
        "claire",
        "claudia",
        "colleen",
        "connie",
        "constance",
        "courtney",
        "crystal",
        "cynthia",
        "daisy",
        "danielle",
        "darlene",
        "dawn",
        "debbie",
        "deborah",
        "debra",
        "delores",
        "denise",
        "diana",
        "diane",
        "dolores",
        "donna",
        "doris",
        "dorothy",
        "edith",
        "edna",
        "eileen",
        "elaine",
        "eleanor",
        "elena",
        "elise",
        "elizabeth",
        "ella",
        "ellen",
        "eloise",
        "emily",
        "emma",
        "erica",
        "erin",
        "esther",
        "ethel",
        "eugenia",
        "eva",
        "evelyn",
        "faith",
        "felicia",
        "florence",
        "frances",
        "gail",
        "gina",
        "giorgia",
        "gladys",
        "gloria",
        "grace",
        "gwen",
        "gwendolyn",
        "hannah",
        "harriet",
        "hazel",
        "heather",
        "heidi",
        "helen",
        "hillary",
        "holly",
        "huma",
        "ida",
        "irene",
        "iris",
        "isabel",
        "ivana",
        "ivanka",
        "jacinda",
        "jackie",
        "jacqueline",
        "jane",
        "janet",
        "jasmine",
        "jeanne",
        "jenna",
        "jennifer",
        "jenny",
        "jessica",
        "jill",
        "joan",
        "joanna",
        "joanne",
        "jodi",
        "josephine",
        "joy",
        "joyce",
        "juanita",
        "judith",
        "judy",
        "julia",
        "julie",
        "june",
        "kamala",
        "kara",
        "karen",
        "karla",
        "kate",
        "katherine",
        "kathleen",
        "kathy",
        "katie",
        "katrina",
        "kay",
        "kayla",
        "kelly",
        "kim",
        "kellyanne",
        "kendra",
        "kirsten",
        "kristen",
        "kristin",
        "kristina",
        "lana",
        "laura",
        "lauren",
        "leah",
        "lillian",
        "lily",
        "linda",
        "lisa",
        "liz",
        "lois",
        "loretta",
        "lori",
        "lorraine",
        "louise",
        "lucia",
        "lucy",
        "lydia",
        "mabel",
        "madeline",
        "marcia",
        "margaret",
        "margarita",
        "maria",
        "marian",
        "marie",
        "marilyn",
        "marine",
        "marjorie",
        "marlene",
        "marsha",
        "martha",
        "mary",
        "maureen",
        "maxine",
        "mazie",
        "megan",
        "meghan",
        "megyn",
        "melania",
        "melanie",
        "melissa",
        "michelle",
        "mildred",
        "miranda",
        "miriam",
        "molly",
        "monica",
        "monique",
        "myrtle",
        "nadia",
        "naomi",
        "natalie",
        "nicole",
        "nikki",
        "nina",
        "nora",
        "norma",
        "olivia",
        "paige",
        "pamela",
        "patricia",
        "paula",
        "pauline",
        "pearl",
        "peggy",
        "penny",
        "phyllis",
        "priscilla",
        "rachel",
        "rebecca",
        "regina",
        "renee",
        "rhonda",
        "rita",
        "roberta",
        "rosa",
        "rose",
        "rosemary",
        "roxanne",
        "ruth",
        "sabrina",
        "sally",
        "samantha",
        "sanae",
        "sandra",
        "sara",
        "sarah",
        "sharon",
        "sheila",
        "shelby",
        "sherry",
        "shirley",
        "silvia",
        "sonia",
        "stacy",
        "stella",
        "stephanie",
        "sue",
        "susan",
        "susana",
        "suzanne",
        "sylvia",
        "tamara",
        "tammy",
        "tanya",
        "tara",
        "teresa",
        "terri",
        "thelma",
        "theresa",
        "tiffany",
        "tina",
        "trisha",
        "tulsi",
        "ursula",
        "valerie",
        "vanessa",
        "vera",
        "veronica",
        "vicki",
        "victoria",
        "viola",
        "virginia",
        "vivian",
        "wanda",
        "wendy",
        "yolanda",
        "yuriko",
        "yvonne",
    ]
)

# More common given names (English, Spanish, French, German, Italian usage), written out here
# rather than taken from any corpus; names used for both sexes are left out.
MALE_GIVEN = MALE_GIVEN | frozenset(
    [
        *("alec", "alfonso", "alistair", "andres", "angel", "armando", "arturo", "barney"),
        *("bernardo", "billy", "blake", "brady", "brendan", "brock", "bud", "buddy", "caleb"),
        *("carlton", "cecil", "cesar", "chet", "cliff", "clyde", "conrad", "cornelius", "cornel"),
        *("darius", "darryl", "denis", "desmond", "dexter", "diego", "dirk", "dmitry", "dylan"),
        *("elmer", "emil", "emilio", "enrico", "ernesto", "esteban", "everett", "felipe"),
        *("floyd", "forrest", "franklin", "fritz", "garrett", "geoffrey", "gerard", "gerry"),
        *("giovanni", "giuseppe", "graham", "hal", "hans", "harlan", "hassan", "herb", "ibrahim"),
        *("ignacio", "igor", "ira", "irving", "jaime", "javier", "jimmie", "joaquin", "julius"),
        *("kareem", "kirk", "lamar", "lars", "len", "lenny", "leonardo", "lincoln", "lowell"),
        *("luther", "lyndon", "malcolm", "mateo", "mauricio", "merrick", "mickey"),
        *("mohamed", "moses", "murray", "nathaniel", "nigel", "nikolai", "orrin", "otto"),
        *("percy", "pierre", "quentin", "rahm", "randall", "reuben", "rodrigo", "rolf", "rory"),
        *("rupert", "santiago", "saul", "sebastian", "sergei", "sergio", "sherrod", "sid"),
        *("spencer", "stan", "sylvester", "terrence", "thad", "tobias", "trent", "trey", "tucker"),
        *("vernon", "vince", "wes", "wilbur", "winston", "wolfgang", "xavier", "yusuf", "tad"),
        *("giuliano", "matteo", "luca", "marco", "jacques", "francois", "jean-claude", "jurgen"),
    ]
)
FEMALE_GIVEN = FEMALE_GIVEN | frozenset(
    [
        *("abby", "ada", "adele", "aimee", "alana", "alejandra", "alexa", "alma", "amelia", "ana"),
        *("angelina", "annie", "ariana", "ava", "bella", "bernice", "bianca", "blanca", "brandy"),
        *("caitlin", "caitlyn", "cara", "carmela", "cathleen", "celia", "charlene", "chloe"),
        *("christy", "clara", "claudette", "cora", "corinne", "daphne", "darla", "deanna"),
        *("deirdre", "della", "dianne", "dina", "dora", "dottie", "elisa", "elisabeth", "eliza"),
        *("ellie", "elsa", "elsie", "erika", "estelle", "eunice", "fiona", "francesca"),
        *("gabriela", "gabrielle", "geraldine", "gertrude", "ginger", "ginny", "greta", "gretchen"),
        *("hattie", "helena", "hilda", "imelda", "ines", "ingrid", "irma", "isabella", "janice"),
        *("janine", "jeanette", "jeanine", "jocelyn", "jolene", "joni", "josie", "juliana"),
        *("julianne", "juliet", "kari", "karin", "kathryn", "katy", "krista", "kristi", "lacey"),
        *("latoya", "laurie", "leticia", "lila", "lindsay", "lorena", "lorna", "luisa", "lynn"),
        *("lynne", "madeleine", "mae", "maggie", "mara", "marcy", "margo", "marianne", "marina"),
        *("marisa", "marissa", "marla", "mattie", "maura", "mavis", "meredith", "mia", "millie"),
        *("mindy", "minnie", "mona", "muriel", "nancy", "nanette", "nell", "nellie", "noelle"),
        *("opal", "patsy", "patty", "polly", "rachael", "raquel", "rochelle", "rosalind", "rosie"),
        *("ruby", "sadie", "selena", "serena", "shannon", "sheryl", "sofia", "sophia", "sophie"),
        *("stacey", "susie", "tabitha", "tess", "trudy", "valentina", "vicky", "violet", "wilma"),
        *("yasmin", "zoe", "condoleezza", "hilary", "nikki", "debbie", "dolly", "tonya", "sonya"),
    ]
)

# Given names that are also common family names: last in a name, they are the family name.
_SURNAME_GIVEN = frozenset(
    [
        *("allen", "arnold", "austin", "bernard", "bruce", "carl", "clark", "clay", "cole"),
        *("craig", "curtis", "dale", "dean", "dennis", "douglas", "earl", "elliott", "francis"),
        *("frank", "george", "gilbert", "glenn", "gordon", "grant", "harvey", "henry", "herbert"),
        *("howard", "hugh", "hunter", "james", "jay", "jerome", "john", "kent", "lance"),
        "lawrence",
        *("leon", "lester", "lewis", "lloyd", "louis", "lucas", "marshall", "martin", "miles"),
        *("mitchell", "morris", "neil", "nelson", "oliver", "owen", "paul", "perry", "philip"),
        *("preston", "ray", "reid", "roland", "ross", "roy", "russell", "ryan", "scott", "simon"),
        *("stanley", "stuart", "taylor", "thomas", "travis", "troy", "tyler", "vincent"),
        *("wade", "wallace", "walter", "warren", "wayne", "wesley", "wilson", "young"),
        *("april", "june", "rose", "joy", "faith", "grace", "kay", "kelly", "lane", "may"),
    ]
)
_BRACKETS = re.compile(r"[\[\]{}()<>]")
_POSSESSIVE = re.compile(r"['’]s?$")
_NON_NAME_CHARS = re.compile(r"[^\w\s\-]")
_SPACES = re.compile(r"\s+")
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "esq", "phd"})


# The name functions below are pure and called hundreds of times an article, mostly with
# names seen before. Their results sit in plain dicts that a compiled caller reads inline,
# where functools' cache costs a call through its wrapper and list bookkeeping on every hit.
# A full memo starts over; the names of the next article or two refill it.
MEMO_LIMIT = 16384
_Result = TypeVar("_Result")


def remember(memo: dict[Any, Any], key: object, value: _Result) -> _Result:
    """Store a pure function's result for `key` and return it."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


_FOLDED: dict[str, str] = {}
_CORES: dict[str, str] = {}


def _fold(text: str) -> str:
    """NFKC + casefold + drop combining accents, so 'Katō' and 'Kato' compare equal."""
    folded = _FOLDED.get(text)
    if folded is not None:
        return folded
    return remember(_FOLDED, text, _fold_uncached(text))


def _fold_uncached(text: str) -> str:
    if text.isascii():  # most names: normalisation changes no ASCII character
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def _token_core(token: str) -> str:
    core = _CORES.get(token)
    if core is not None:
        return core
    return remember(_CORES, token, _fold(token).strip(".,;:'’\"“”‘-"))


@dataclass(frozen=True, slots=True, init=False)
class SpeakerName:
    """A speaker string decomposed: role, bare personal name, and possessive organisation."""

    title: str | None
    name: str
    affiliation: str | None

    def __init__(self, title: str | None, name: str, affiliation: str | None) -> None:
        """Written out: mypyc compiles it, not a frozen dataclass's generated one (about a
        fourteenth of the cost per instance)."""
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "affiliation", affiliation)


_PARSED: dict[str, SpeakerName] = {}


def parse_speaker(name_as_written: str) -> SpeakerName:
    """Split "CLSA's Nicholas Smith" / "Japan's Finance Minister Katsunobu Kato" into parts.

    The richer companion of split_title: a leading possessive ("CLSA's") becomes the affiliation.
    """
    parsed = _PARSED.get(name_as_written)
    if parsed is not None:
        return parsed
    return remember(_PARSED, name_as_written, _parse_speaker(name_as_written))


def _parse_speaker(name_as_written: str) -> SpeakerName:
    text = unicodedata.normalize("NFKC", name_as_written)
    # the substitutions change only text holding what they replace, which few names do:
    # substring tests first spare the regex calls (thousands of instructions each)
    if any(bracket in text for bracket in "[]{}()<>"):
        text = _BRACKETS.sub(" ", text)
    if "  " in text or not text.isprintable():  # every whitespace but " " is unprintable
        text = _SPACES.sub(" ", text)
    text = text.strip().strip(",;:")
    if "'" in text or "’" in text:
        text = _POSSESSIVE.sub("", text)
    text = text.strip()
    affiliation = None
    tokens = text.split(" ") if text else []
    for index, token in enumerate(tokens[:-1]):
        if token.endswith(("'s", "’s")):
            affiliation = " ".join([*tokens[:index], token[:-2]])
            tokens = tokens[index + 1 :]
            break
    last_title = -1
    for index, token in enumerate(tokens):
        if _token_core(token) in TITLE_HEADS:
            last_title = index
    if tokens and tokens[0].lower() in {"the", "a", "an"} and last_title < 0:
        last_title = 0
    title = " ".join(tokens[: last_title + 1]) or None
    bare = " ".join(tokens[last_title + 1 :])
    if title and title.split(" ")[0].lower() in {"the", "a", "an"}:
        title = " ".join(title.split(" ")[1:]) or None
    return SpeakerName(title=title, name=bare, affiliation=affiliation)


def split_title(name_as_written: str) -> tuple[str | None, str]:
    """("Finance Minister", "Katsunobu Kato"); see parse_speaker for the affiliation too."""
    parsed = parse_speaker(name_as_written)
    return parsed.title, parsed.name


_NORMALISED: dict[str, str] = {}


def normalise_name(name: str) -> str:
    """Canonical comparable form of a personal name: no titles, possessives, punctuation or case."""
    normalised = _NORMALISED.get(name)
    if normalised is not None:
        return normalised
    return remember(_NORMALISED, name, _normalise_name(name))


def _normalise_name(name: str) -> str:
    bare = parse_speaker(name).name
    folded = _fold(bare)
    folded = _NON_NAME_CHARS.sub(" ", folded.replace("’", "'"))
    tokens = [tok.strip("-") for tok in folded.split()]
    tokens = [tok for tok in tokens if tok and tok not in _NAME_SUFFIXES and tok not in HONORIFICS]
    return " ".join(tokens)


def name_key(name: str) -> tuple[str, ...]:
    """Order-free key so family-name-first and given-name-first spellings collide."""
    return tuple(sorted(normalise_name(name).split()))


def _initial_matches(a: str, b: str) -> bool:
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


Verdict = Literal["same", "possible", "different"]
_VERDICTS: dict[tuple[str, str], Verdict] = {}


def same_person(a: str, b: str) -> Verdict:
    """Decide whether two name strings can denote one person.

    A name whose tokens are all contained in the other's is "same" (Kato / Katsunobu Kato);
    a shared surname with a conflicting given name is only "possible" (Yoshihide / Shigeru Suga).
    """
    key = (a, b)
    verdict = _VERDICTS.get(key)
    if verdict is not None:
        return verdict
    return remember(_VERDICTS, key, _same_person(a, b))


def _same_person(a: str, b: str) -> Verdict:
    tokens_a = normalise_name(a).split()
    tokens_b = normalise_name(b).split()
    if not tokens_a or not tokens_b:
        return "different"
    if sorted(tokens_a) == sorted(tokens_b):
        return "same"
    shorter, longer = sorted((tokens_a, tokens_b), key=len)
    unmatched = list(longer)
    all_found = True
    for token in shorter:
        hit = next(
            (cand for cand in unmatched if cand == token or _initial_matches(token, cand)), None
        )
        if hit is None:
            all_found = False
            break
        unmatched.remove(hit)
    if all_found:
        return "same"
    if set(tokens_a) & set(tokens_b):
        return "possible"
    joined_a, joined_b = " ".join(sorted(tokens_a)), " ".join(sorted(tokens_b))
    if min(len(joined_a), len(joined_b)) >= 5 and fuzz.ratio(joined_a, joined_b) >= 90:
        return "possible"
    return "different"


def is_given_name(token: str) -> bool:
    """Whether a (casefolded) word is on the given-name lists."""
    return token in MALE_GIVEN or token in FEMALE_GIVEN


Gender = Literal["m", "f"]
_GENDERS: dict[tuple[str, str | None], Gender | None] = {}


def gender_of(name_as_written: str, title: str | None = None) -> Gender | None:
    """Guess gender from honorifics, gendered role words or a small given-name list."""
    key = (name_as_written, title)
    if key in _GENDERS:
        return _GENDERS[key]
    return remember(_GENDERS, key, _gender_of(name_as_written, title))


def _gender_of(name_as_written: str, title: str | None) -> Gender | None:
    words = [_token_core(tok) for tok in (f"{title or ''} {name_as_written}").split()]
    for word in words:
        if word in MALE_CUES:
            return "m"
        if word in FEMALE_CUES:
            return "f"
    bare = parse_speaker(name_as_written).name.split()
    if bare:
        first, last = _token_core(bare[0]), _token_core(bare[-1])
        # the last word is a given name only in family-name-first order ("Kato Katsunobu"),
        # never when it is a common family name too ("Mattie Thomas", "Elaine Grant")
        for given in (first,) if last in _SURNAME_GIVEN else (first, last):
            if given in MALE_GIVEN:
                return "m"
            if given in FEMALE_GIVEN:
                return "f"
    return None
