"""A small English lexicon for deciding whether a decoding produced words or noise.

Why a hand-written list: decoders for rot13, reversed text and leetspeak must tell plausible
English from garbage, or they would add junk views for benign text and raise false positives.
A few hundred frequent words plus the vocabulary attackers hide (ignore, instructions, bomb ...)
is enough for that vote, costs nothing to load, and needs no download.
"""

from __future__ import annotations

_FREQUENT = """
a about above across act add after again against ago air all almost alone along already also
although always am among an and another any anyone anything are area around as ask at away back
bad be because become been before began begin behind being below best better between big bit
black body book both boy bring brought build built business but buy by call came can car care
carry case cause certain change child children city class clear close cold come common could
country course cut dark day deal did different do does done door down draw during each early
earth easy eat end enough even ever every example eye face fact fall family far fast father feel
feet few field find fine fire first five food for form found four free friend from front full
game gave get girl give go good got great green ground group grow had half hand happen hard has
have he head hear heard heart help her here high him his hold home hope horse hot hour house how
however i idea if important in inside into is it its just keep kind king knew know land large
last late later lead learn leave left less let life light like line list little live long look
lot love low made main make man many may me mean men might mind miss money more morning most
mother move much must my name near need never new next night no not nothing now number of off
often old on once one only open or order other our out over own page paper part past people
perhaps person picture place plan play point power present problem program put question quick
quite rather read ready real really reason red remember rest right river road room round run
said same saw say school sea second see seem seen self sentence set several shall she short
should show side simple since sing small so some someone something sometimes soon sound space
speak special stand start state still stop story street strong study such sun sure table take
talk tell ten than thank that the their them then there these they thing think this those
though thought three through time to today together told too took top toward town tree true try
turn two under understand until up upon us use very voice wait walk want war warm was watch water
way we week well went were what when where whether which while white who whole why will with
within without woman women word work world would write year yes yet you young your
"""

_DOMAIN = """
access account act admin administrator advice answer assistant attack bank bypass chat code
command confidential content context continue control cook create credit dan data decode delete
describe detail developer device disable do don drug email enable execute exploit explain follow
forget further guide guideline hack harm hate hidden hide ignore illegal information instruction
jailbreak key kill leak limit malware manual mode model money need obey output override password
payload permission persona pretend previous print prior private prompt protect reply request
reset respond response restrict restriction reveal rule safety say secret security send share
steal step story system tell text token tool translate unlock user weapon write bomb gun poison
drugs explosive virus ransomware phishing script shell root sudo file files database server
repeat rules instructions disregard everything above below now immediately original task
message messages new developer filter filters unrestricted unfiltered ethical guidelines
policy policies answer question questions please assume role roleplay act character pretend
"""

_GENERAL = """
able accept accident according achieve across action active activity actual actually address
adult affect afraid afternoon age agency agent agree ahead allow alive amount analysis ancient
angry animal announce annual anyway apartment appear apply approach approve argue arm army
arrive art article artist assume attention audience author available avoid baby bag ball band
base basic battle bear beat beautiful bed beer behaviour believe bill bird birth blood blue
board boat born box brain branch bread break breakfast bridge brief bright broad brother budget
burn busy cake camera campaign cancer capital captain card career cat catch cell center central
century chair challenge chance character charge cheap check chemical chemicals chicken chief
choice choose church citizen claim clean client climate clothes club coach coffee collect
college colour color combine comfortable commercial community company compare complete computer
concern condition conference consider contain contract cost cover crime culture cup current
customer damage dance danger dangerous date daughter dead death debate decade decide decision
deep defence degree demand department depend design destroy develop die diet difference
difficult dinner direct director discover discuss discussion disease doctor dog dollar doubt
dream dress drink drive drop dry due east economic economy edge education effect effort egg
eight either election element else employee energy engine enjoy enter entire environment
equal error escape especially establish evening event evidence exactly exist expect experience
expert explosive express extra fail fair faith fear federal fee feeling fight figure fill film
final finally finance finger finish firm fish floor fly focus foot force foreign forest former
forward freedom fresh fruit fuel fun function fund future garden gas general generate gift
glass goal god gold government grade grand grass growth guess guy hair hall happy hat health
heat heavy hello herself hide himself history hit holiday hospital hotel huge human hundred
hurt husband identify image imagine impact improve include including income increase indeed
indicate individual industry inform injury interest international interview investment involve
island issue item itself job join joke judge jump kid kitchen knife knowledge lady language
laugh law lawyer lay learn least legal lesson letter level lie likely link listen local lock
lose loss lot luck machine magazine maintain major majority manage manager market marriage
material matter maybe measure meat media medical meet meeting member memory mention method
middle military milk million minute mission mix mixed modern moment month mouth movie music
nation national natural nature necessary network news newspaper nice nine none nor north note
notice number obviously occur offer office officer official oil ok okay onto operation
opportunity option organization outside owner pain paint pair parent park party pass patient
pattern pay peace per perform period phone physical pick piece plant player police political
politics poor popular population position positive possible pressure pretty prevent price
prison process produce product production professional professor project property provide
public pull purpose push quality quickly race radio raise range rate reach realize receive
recent recently recognize record reduce reflect region relate relationship religious remain
remove report represent require research resource result return rich ride rise risk rock role
rule safe sale save scene science score season seat section see seek sell senior sense serious
serve service seven sex shake shoot shop shot shoulder sign significant similar simply single
sister sit site situation six size skill skin sleep smile social society soldier son song sort
source south speech spend sport spring staff stage standard star station stay stock stone
store strategy stuff style subject success successful suddenly suffer suggest summer support
surface system teach teacher team technology television tend term test theory therefore third
thousand threat throw thus ticket tonight total tough trade training travel treat treatment
trial trip trouble truth type unit university unless usually value various victim view
violence visit vote wall watch weapon wear weight west whatever wide wife win wind window
wish wonder worker worry wrong yard yeah yourself
"""

COMMON_WORDS: frozenset[str] = frozenset((_FREQUENT + _DOMAIN + _GENERAL).split())
"""Lower-case words treated as 'recognisably English'."""

_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "ion", "ions", "ment", "ments")


def _forms(words: frozenset[str]) -> frozenset[str]:
    """Every word with simple inflection suffixes (with and without a final ``e``)."""
    forms = set(words)
    for word in words:
        stems = {word, word[:-1]} if word.endswith("e") and len(word) > 3 else {word}
        for stem in stems:
            forms.update(stem + suffix for suffix in _SUFFIXES)
    return frozenset(forms)


COMMON_FORMS: frozenset[str] = _forms(COMMON_WORDS)
"""``COMMON_WORDS`` and their inflected forms, lower case."""


def is_word(token: str) -> bool:
    """Whether ``token`` (any case) is a common word, allowing a simple inflection suffix.

    One set lookup: the inflected forms are generated once at import, because this runs for
    every word of every text in the rot13 and reversed-text checks.
    """
    return token.lower() in COMMON_FORMS
