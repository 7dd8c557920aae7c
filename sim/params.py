"""Plain dataclasses holding every parameter of a run; they double as the registry.

Each field is declared with `param()` (default, unit, plausible range, source). The
Hydra layer stores these classes in its ConfigStore so that YAML is type-checked, but
nothing here imports Hydra: a script can build `ModelParams()` directly.

Sources are cited as "seed NNN Lxxx" (a line of ../shared/seeds), a paper, or
"assumption". Defaults marked "calibrated" were set by `placesim calibrate`
(experiments/calibrate.py) against seed 004 Table 2 and are re-checked by a test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sim.registry import nonneg, param, prob

A = "assumption"


@dataclass
class Indicators:
    """The five area indicators of seed 004 Table 1, in its units."""

    health: float = param(68.71, "% adults in good health", 37.34, 93.12, "seed 004 Table 1 mean", "adults reporting good health", hard=(0, 100))
    unemployment: float = param(2.42, "% adults claiming JSA", 0.0, 22.8, "seed 004 Table 1 mean", "Jobseeker's Allowance claimants", hard=(0, 100))
    adult_education: float = param(29.26, "% adults without qualifications", 0.87, 67.63, "seed 004 Table 1 mean", "adults with no qualifications", hard=(0, 100))
    deprivation: float = param(21.67, "IMD score (points)", 0.53, 87.8, "seed 004 Table 1 mean", "Index of Multiple Deprivation score", hard=(0, 100))
    housing: float = param(21.69, "IMD sub-domain score (points)", 0.34, 70.14, "seed 004 Table 1 mean", "barriers to housing and services", hard=(0, 100))


@dataclass
class PlaceParams:
    """A neighbourhood: its size, schools, services and starting conditions."""

    name: str = "england_average"
    population: int = param(1500, "people", 500, 60000, "seed 004 L438 (an LSOA is about 1,500 people)", "residents of all ages", hard=(1, None))
    homes: int = param(620, "households", 200, 25000, A + " (about 2.4 people per household, ONS)", "dwellings; a family lives in each", hard=(1, None))
    child_share: float = prob(0.24, 0.18, 0.35, "seed 003 L563 (Wallsend: 11,000 of 45,000 aged 0-19)", "share of residents aged 0-19", unit="fraction")
    share_in_need: Optional[float] = param(None, "fraction of families", 0.05, 0.5, "seed 003 L578 (Wallsend 22.7%)", "families 'in need'; when set it places the family deprivation distribution, else the IMD score does", hard=(0, 1))
    indicators: Indicators = field(default_factory=Indicators)
    early_years_settings: int = param(1, "settings", 0, 20, A, "nurseries and pre-schools", hard=(0, None))
    primary_schools: int = param(1, "schools", 0, 40, A, "primary schools", hard=(0, None))
    secondary_schools: int = param(1, "schools", 0, 10, A, "secondary schools", hard=(0, None))
    post16_colleges: int = param(1, "colleges", 0, 5, A, "sixth forms and colleges", hard=(0, None))
    services_scale: float = nonneg(1.0, "services per kind per 10,000 people (multiplier)", 0.5, 2.0, A, "how many of each kind of service the place has, relative to the default mix")
    school_quality: float = param(0.0, "SD of value added", -0.5, 0.5, A, "mean value added of local schools")
    service_quality: float = param(0.0, "SD", -0.5, 0.5, A, "mean quality of local services relative to England")
    partnership_strength: float = prob(0.25, 0.0, 0.8, A, "starting density and strength of partnership ties between organisations", unit="fraction")
    schools_partnership: float = prob(0.0, 0.0, 1.0, "seed 003 L590-593 (Wallsend's schools partnership)", "how tightly schools start tied to each other", unit="fraction")
    informal_ties: float = nonneg(4.0, "ties per family", 1.0, 10.0, "seed 003 L433, L2266-2269", "mean informal family-family ties")
    mobility: float = prob(0.10, 0.04, 0.2, A + " (English Housing Survey: about 10% of households move each year)", "share of families moving out each year", unit="per year")
    starting_trust: float = prob(0.5, 0.2, 0.8, "seed 003 L2022 (past initiatives came and went)", "mean family trust in services at the start", unit="0-1 scale")
    exclusion_multiplier: float = nonneg(1.0, "ratio to England", 0.5, 3.0, "seed 003 L484-488", "local school exclusion rate relative to England")
    synthetic: bool = False  # draw the five indicators per replicate from seed 004 Table 1
    synthetic_school_sd: float = nonneg(0.3, "SD of value added between places", 0.0, 0.5, A + " (school effectiveness varies between areas beyond their disadvantage)", "spread of mean school quality between synthetic places")
    synthetic_service_sd: float = nonneg(0.2, "SD between places", 0.0, 0.4, A, "spread of mean service quality between synthetic places")
    synthetic_correlation: float = prob(0.6, 0.2, 0.9, A + " (seed 004 L820-842: the indicators overlap)", "correlation between the five indicators across synthetic places (health enters with a minus sign)", unit="correlation")


@dataclass
class Development:
    """Child development: three interacting domains on an England-standardised scale."""

    persistence: float = param(0.985, "per month", 0.96, 0.995, "assumption (how long what family, school and neighbourhood built lasts once they change; the faster fade-out of gains from support is support_fadeout and support_persistent_share)", "share of last month's environmental score kept; 1 - persistence is how fast scores move toward their current inputs", hard=(0.0, 0.9999))
    ability_sd: float = nonneg(0.75, "SD", 0.5, 0.9, A, "spread of the fixed individual component of each domain")
    noise_sd: float = nonneg(0.02, "SD per month", 0.0, 0.05, A, "month-to-month idiosyncratic change")
    deprivation_effect: float = nonneg(0.45, "SD per SD of family deprivation", 0.2, 0.7, "seed 004 L658-665 (deprivation the strongest predictor)", "how much family deprivation lowers the environmental learning input")
    qualification_effect: float = nonneg(0.25, "SD", 0.05, 0.4, "seed 004 L658-665 (adult education next)", "learning input lost when no adult in the family has a qualification")
    workless_effect: float = nonneg(0.2, "SD", 0.05, 0.4, "seed 004 L658-665 (unemployment next)", "learning input lost in a workless family")
    home_learning_effect: float = nonneg(0.3, "SD per SD of home learning", 0.1, 0.5, "Sylva et al. 2004 (EPPE); seed 003 L1418-1425", "learning input per SD of the home learning environment")
    school_effect: float = nonneg(0.5, "SD per SD of value added", 0.2, 1.0, "Dobbie & Fryer 2011 via seed 004 L1225-1236", "learning input per SD of school value added, for children in school")
    neighbourhood_effect: float = nonneg(0.3, "SD per unit of norm adoption", 0.0, 0.6, "seed 004 (area effects, L1245-1250)", "learning and wellbeing input from the share of neighbouring families holding pro-learning norms")
    stress_effect: float = nonneg(0.35, "SD per unit of stress", 0.1, 0.6, "seed 003 L838-843", "wellbeing (and through it learning) lost per unit of family stress")
    cross_domain: float = param(0.25, "fraction per SD of deficit", 0.0, 0.6, "seed 004 L1225-1250 (contested; the HCZ lottery studies found schools alone mattered)", "how much a health or wellbeing deficit slows learning and dampens learning support; 0 switches cumulative effects off", hard=(0.0, 1.0))
    health_poor_effect: float = nonneg(0.5, "SD", 0.2, 0.8, "seed 004 L658-665 (health weakest at area level)", "child health input lost in a family in poor health")
    health_deprivation_effect: float = nonneg(0.2, "SD per SD of family deprivation", 0.05, 0.4, A, "child health input lost per SD of family deprivation")
    housing_effect: float = nonneg(0.1, "SD per SD of housing pressure", 0.0, 0.3, "seed 004 L658-665 (housing weakest)", "wellbeing input lost per SD of housing pressure")
    informal_support_effect: float = nonneg(0.15, "SD per unit of support", 0.0, 0.3, "seed 003 L2266-2269", "wellbeing and home learning gained from informal support")
    barrier_strength: float = prob(0.25, 0.0, 0.5, "seed 004 L1333-1338, L1360-1364 (ill-health keeping children out of school, emotional crises stopping them learning); size an assumption guided by DfE 2016, 'The link between absence and attainment at KS2 and KS4'", "share of a month's learning from school or early years lost to one unmanaged barrier (days absent and less learned per day); 0 switches barriers off", unit="fraction per barrier")
    chronic_prevalence: float = prob(0.1, 0.05, 0.2, "Asthma UK: about 1 in 11 children in the UK have asthma; other long-term conditions add to it", "share of children with a chronic health condition that keeps them out of school unless managed", unit="fraction of children")
    crisis_stress: float = prob(0.6, 0.5, 0.8, "assumption: the 'severe stress' cut of the children-in-need reporter (sim.state.SEVERE_STRESS)", "family stress above which a home is in crisis, a barrier to its children's learning", unit="0-1 stress scale")
    crisis_wellbeing: float = param(-1.5, "SD", -2.5, -1.0, "assumption (about the lowest 7% of wellbeing scores)", "a child whose wellbeing score is below this is in an emotional crisis, a barrier to learning", hard=(None, 0.0))
    school_day_value: float = nonneg(0.3, "SD of learning input", 0.0, 0.6, "assumption guided by DfE 2016 (attainment falls with every extra day absent, at every school)", "learning input a month at an average school gives over none: what absence costs on top of the school's value added")
    support_persistent_share: float = prob(0.41, 0.0, 1.0, "Li, Duncan, Magnuson, Schindler, Yoshikawa & Leak 2020 (EdWorkingPaper 20-201; 67 early-education evaluations: impacts lose nearly half within a year of the end) and Bailey, Duncan, Odgers & Yu 2017 (J Res Educ Eff 10(1): by half within a year, by half again two years later): with persistence 0.985 those two points give 0.41 and a fade of 0.10 a month; 0 as Protzko 2015 (Intelligence 53) found for IQ gains; 1 is no extra fade (the rule before)", "share of a child's learning gain from support (services, programmes) that stays in the environmental score once that support ends; the rest fades at support_fadeout", unit="fraction")
    support_persistent_share_other: float = prob(1.0, 0.5, 1.0, "Heckman, Pinto & Savelyev 2013 (Am Econ Rev 103(6): Perry Preschool's IQ gain faded, its effect on behaviour persisted and carried the adult effects); Cattan, Conti, Farquharson & Ginja 2019 (IFS, 'The health effects of Sure Start': fewer hospitalisations up to age 11, long after the centres' years): no evidence of an extra fade, so 1 (the rule before); 0.5 for sensitivity", "as support_persistent_share, for the health and wellbeing gains from support", unit="fraction")
    support_fadeout: float = prob(0.10, 0.05, 0.2, "fitted to the two fade-out points of Li et al. 2020 and Bailey et al. 2017 (see support_persistent_share): half-life of the fading part about 6 months; 0.05-0.2 spans half-lives of 3 to 13 months", "monthly share of the fading part of a support gain lost once support in that domain stops", unit="per month")
    health_stress_effect: float = nonneg(0.15, "SD per unit of stress", 0.0, 0.3, "Shonkoff, Garner et al. 2012 (Pediatrics 129(1), 'The lifelong effects of early childhood adversity and toxic stress'): chronic stress in the home acts on children's physical health through the stress response); size an assumption below stress_effect on wellbeing", "child health input lost per unit of family stress (0-1): stress acting on health as well as wellbeing; 0 switches it off")
    health_housing_effect: float = nonneg(0.1, "SD per SD of housing pressure", 0.0, 0.2, "Harker 2006 (Shelter, 'Chance of a lifetime: the impact of bad housing on children's lives': overcrowding and damp raise respiratory illness and infection); Marmot 2010 ('Fair Society, Healthy Lives'); size an assumption equal to housing_effect on wellbeing", "child health input lost per SD of housing pressure (overcrowded, damp or insecure homes); 0 switches it off")
    complementarity: float = param(0.1, "fraction per SD of accumulated learning", 0.0, 0.3, "Cunha & Heckman 2007, 'The technology of skill formation' (dynamic complementarity); size an assumption", "how much each SD of learning already built raises the return to school and support; 0 switches complementarity off", hard=(0.0, 1.0))


@dataclass
class Milestones:
    """Where a latent score counts as reaching a milestone (calibrated to seed 004 Table 2)."""

    threshold_eyfs: float = param(-0.396, "SD", -1.0, 0.5, "calibrated: England-average place reaches 68.09% (seed 004 Table 2; old benchmark 78+ points, L621-626)", "learning score needed at age 5")
    threshold_ks2: float = param(-0.389, "SD", -1.0, 0.5, "calibrated: England-average place reaches 65.68% (seed 004 Table 2; level 4 English and maths, L627-629)", "learning score needed at age 11")
    threshold_ks4: float = param(-0.014, "SD", -1.0, 0.8, "calibrated: England-average place reaches 53.04% (seed 004 Table 2; five A*-C incl. English and maths, L630-632)", "learning score needed at age 16")
    threshold_eet: float = param(-0.619, "SD", -2.0, 0.0, "calibrated: 85% of 18-year-olds in an England-average place in education, employment or training (assumption, DfE NEET statistics order of magnitude)", "combined learning-wellbeing score needed at 18")
    threshold_decay_free: float = param(-0.511, "SD", -1.5, 0.0, "calibrated: 77% of 5-year-olds in an England-average place free of visible decay (assumption, PHE oral health survey 2019 order of magnitude)", "health score needed at age 5 to count as decay-free")
    exclusion_rate: float = nonneg(0.0035, "per secondary pupil per month", 0.001, 0.008, A + " (about 4% of secondary pupils excluded for a fixed term each year, DfE)", "baseline fixed-term exclusion hazard")
    exclusion_wellbeing_slope: float = nonneg(0.8, "log-hazard per SD", 0.3, 1.2, A, "how much low wellbeing raises exclusion")
    admission_rate: float = nonneg(0.0002, "per child 10-18 per month", 0.00005, 0.0005, A + " (NHS Digital order of magnitude)", "baseline mental-health or self-harm admission hazard")
    admission_wellbeing_slope: float = nonneg(1.0, "log-hazard per SD", 0.3, 1.5, A, "how much low wellbeing raises admissions")


@dataclass
class Families:
    """Family circumstances, stress, home learning and informal support."""

    within_area_sd: float = nonneg(0.8, "SD", 0.5, 1.0, A, "spread of family deprivation within a neighbourhood")
    area_weight: float = nonneg(0.35, "SD per SD of area IMD", 0.2, 0.6, "calibrated (placesim calibrate --areas): synthetic places then give between-area sd and R^2 near seed 004 (L649-653, Table 2)", "how far an area's IMD shifts its families' deprivation")
    need_cut: float = param(1.0, "SD of family deprivation", 0.5, 1.5, A, "families above this are 'in need' (about 11% in an England-average area, given within_area_sd 0.8)")
    housing_indicator_share: float = prob(0.5, 0.25, 1.0, "the IMD's Barriers to Housing and Services domain is two sub-domains combined with equal weights: wider barriers (overcrowding, homelessness, affordability) and geographical barriers (road distance to a GP, primary school, shop and post office), which are highest in outlying and rural areas, not in deprived ones (Noble et al. 2008, 'The English Indices of Deprivation 2007', DCLG; McLennan et al. 2011 for 2010); 1 reads the whole score as housing pressure (the rule before)", "share of an area's housing indicator (seed 004 Table 1) that is housing pressure on its families; the rest is distance to services, which no family process reads", unit="fraction")
    indicator_correlation: float = prob(0.5, 0.2, 0.8, A + " (seed 004 L820-842: indicators overlap)", "correlation of a family's worklessness, qualifications, health and housing with its deprivation", unit="correlation")
    workless_per_jsa: float = nonneg(4.0, "workless families per JSA point", 2.0, 6.0, A, "household worklessness relative to the JSA claimant rate")
    job_finding: float = prob(0.03, 0.01, 0.06, A, "monthly chance a workless family finds work", unit="per month")
    debt_build: float = nonneg(0.03, "debt units per month", 0.01, 0.06, A, "monthly growth of arrears in a workless or pressured family")
    debt_repay: float = nonneg(0.02, "debt units per month", 0.005, 0.05, A, "monthly repayment in a working family")
    eviction_rate: float = nonneg(0.006, "per family per month at full arrears", 0.001, 0.015, "seed 003 L838-843", "eviction hazard at debt 1, scaled by debt squared")
    stress_rate: float = prob(0.15, 0.05, 0.3, A, "share of the gap to target stress closed each month", unit="per month")
    hle_rate: float = prob(0.05, 0.02, 0.15, A, "share of the gap to target home learning closed each month", unit="per month")
    informal_buffer: float = nonneg(0.6, "logit of stress per unit of support", 0.0, 1.2, "seed 003 L2266-2269; seed 001 L33-39", "stress buffered by informal support")
    stress_intercept: float = param(-1.4, "logit", -2.5, -0.5, A, "target stress of a family with no pressures (logistic scale)")
    stress_deprivation: float = nonneg(0.5, "logit per SD", 0.2, 0.8, A, "target stress added per SD of deprivation")
    stress_workless: float = nonneg(0.8, "logit", 0.3, 1.2, A, "target stress added by worklessness")
    stress_debt: float = nonneg(1.5, "logit per unit of arrears", 0.5, 2.5, "seed 003 L838-843", "target stress added by arrears")
    stress_housing: float = nonneg(0.3, "logit per SD", 0.0, 0.6, "seed 004 L494-500", "target stress added per SD of housing pressure")
    stress_health: float = nonneg(0.4, "logit", 0.0, 0.8, A, "target stress added by poor adult health")
    hle_qualification: float = nonneg(0.5, "SD", 0.2, 0.8, "Sylva et al. 2004 (EPPE)", "home learning lost when no adult has a qualification")
    hle_stress: float = nonneg(1.2, "SD per unit of stress", 0.5, 2.0, A, "home learning lost per unit of family stress")
    hle_deprivation: float = nonneg(0.2, "SD per SD", 0.0, 0.4, A, "home learning lost per SD of deprivation")
    hle_intercept: float = param(0.35, "SD", 0.0, 0.7, "calibrated: an England-average family's home learning is about 0", "home-learning target of a family with no pressures and no norm")


@dataclass
class Trust:
    """Trust in services: built by good contacts and spread along family ties."""

    contact_gain: float = prob(0.08, 0.02, 0.2, "seed 003 (being listened to)", "monthly move of trust toward the quality of services in contact", unit="per month")
    spread: float = prob(0.05, 0.0, 0.15, "seed 003 L2266-2269", "monthly move of trust toward the mean of informal ties", unit="per month")
    relapse: float = prob(0.01, 0.0, 0.05, A, "monthly drift back toward the place's starting trust", unit="per month")
    voice_gain: float = nonneg(0.3, "trust per unit of voice", 0.0, 0.6, "seed 003 exploration area 1; seed 002", "extra value of a contact when residents and children hold decision power (being listened to)")
    takeup_power: float = nonneg(1.0, "exponent", 0.5, 2.0, A, "how steeply take-up of an offer rises with trust")


@dataclass
class Services:
    """How services find, take in and help families, within capacity."""

    capacity_per_1000: float = nonneg(12.0, "families supported at once per 1,000 residents, per kind of service", 5.0, 25.0, A, "caseload each service can carry")
    episode_months: int = param(6, "months", 3, 12, A, "length of one episode of support", hard=(1, 120))
    outreach: float = nonneg(0.15, "per month", 0.05, 0.4, A, "how readily an eligible family is identified without a referral")
    targeting: float = prob(0.3, 0.0, 1.0, "seed 003 key learning 5", "how well services find the families who need them most", unit="0-1 scale")
    eligibility: float = prob(0.25, 0.1, 0.5, "seed 004 L2655-2657 (service thresholds)", "need score a family must exceed to be served", unit="need score")
    referral_follow_through: float = prob(0.3, 0.1, 0.8, "seed 003 ('no gaps to fall through')", "share of referral pressure along a full-strength tie that leads to contact", unit="fraction")
    family_effect: float = nonneg(1.0, "multiplier on the family-effect table (sim/orgs.py)", 0.5, 1.5, A, "strength of a month of support on stress, arrears, housing, home learning and work")
    child_effect: float = nonneg(0.2, "SD by the end of a completed episode", 0.1, 0.4, "early-education meta-analysis: about 0.23 SD on cognitive outcomes at programme end (Camilli et al. 2010, Teachers College Record)", "what a completed episode of support adds to the targeted domain of a child (at average quality); the monthly input is this / (1 - persistence^episode_months); once support stops part of it fades fast (development.support_persistent_share, support_fadeout) and the rest at 1 - persistence")
    funding: float = param(1.0, "ratio to 2016 funding", 0.5, 1.5, "seed 004 L908-910", "multiplier on every service's capacity", hard=(0.0, 10.0))
    coordination_gain: float = nonneg(0.3, "capacity fraction per unit of tie strength", 0.0, 0.6, "seed 001 L13 ('duplication and waste'); seed 003 L1857-1860 (the 'jumble')", "capacity freed by coordination: a kind's capacity rises by this times its mean tie strength to the other kinds (fewer duplicated contacts)")
    alignment_targeting: float = nonneg(0.3, "targeting per unit of alignment", 0.0, 0.6, "seed 003 L231, L2172-2174 (priorities embedded in partners' strategies)", "targeting accuracy gained when a kind's organisations carry the children's priorities")


@dataclass
class Ties:
    """Organisation partnership ties: formation, strengthening and decay."""

    formation: float = prob(0.001, 0.0, 0.005, "seed 003 L1208-1213 (finding partners was 'extremely difficult')", "monthly chance two untied organisations meet through ordinary business", unit="per pair per month")
    closure: float = nonneg(0.05, "per month per unit of shared-partner strength", 0.0, 0.15, "seed 003 ('digging channels', increasing returns)", "triadic closure: partners of partners meet")
    embeddedness: float = nonneg(2.0, "per unit of shared-partner strength", 0.0, 5.0, "Granovetter 1985; Uzzi 1997 (embedded ties last)", "how much shared partners slow a tie's decay: decay is divided by 1 + embeddedness x shared-partner strength")
    champion_boost: float = nonneg(2.0, "ratio", 1.0, 4.0, "seed 003 L219-221", "tie formation multiplier for an organisation with a champion")
    joint_work_gain: float = prob(0.06, 0.02, 0.15, "seed 003 (joint work builds trust and reciprocity)", "monthly gain of a tie's elements per unit of joint work", unit="per month")
    decay: float = prob(0.025, 0.005, 0.06, "seed 003 (relationships need upkeep)", "monthly loss of a tie's elements without joint work", unit="per month")
    competition: float = prob(0.005, 0.0, 0.02, "seed 003 L2181 (competition for funding)", "extra monthly decay under competition, waived for the neutral core team", unit="per month")
    turnover: float = prob(0.15, 0.05, 0.3, "seed 003 (staff turnover)", "share of organisations losing their champion each year", unit="per year")
    champion_emergence: float = prob(0.05, 0.01, 0.15, A, "monthly chance an organisation without a champion gains one", unit="per month")
    personal_share: float = prob(0.5, 0.2, 0.8, "seed 003 L219-221, L1644-1646", "share of a tie's trust and empathy that leaves with a champion unless hardwired", unit="fraction")
    new_tie_strength: float = prob(0.15, 0.05, 0.3, A, "elements of a newly formed tie", unit="0-1 scale")
    removal: float = prob(0.1, 0.05, 0.15, A, "strength below which a tie is lost", unit="0-1 scale")
    entrenchment: float = prob(0.3, 0.0, 0.8, "seed 003 L2354-2355 (relationships can hold the status quo)", "how much pre-existing ties slow re-prioritisation toward children", unit="fraction")
    ordinary_work: float = nonneg(0.5, "joint-work units per month", 0.2, 0.8, "seed 003 challenge 4 (attention spread thin)", "an organisation's monthly partnership attention at full engagement, shared across its ties in proportion to their strength")
    cluster_work: float = nonneg(0.3, "joint-work units per month", 0.0, 0.6, "seed 004 L1864 (school clusters meeting each half-term); seed 003 L588-593", "joint work between schools of a schools partnership, times its strength")
    shared_case_work: float = nonneg(0.5, "joint-work units per referral per family of capacity", 0.1, 1.5, A, "joint work generated by referrals along a tie")
    network_work: float = nonneg(3.0, "joint-work units per month per unit of strong-tie capital", 0.0, 5.0, "seed 003 L210-214, L2061-2065 ('digging channels': a law of increasing returns; activity 'beyond the efforts of the core team'), L1783 (reciprocity: mutual aid and mutual benefit); size an assumption: at 0 every network decays back after a team, from about 2 a long team's network sustains itself at default decay (docs/ODD.md 7.9)", "joint work an organisation does on its own, times its strong-tie capital min(1, sum of squared tie strengths / 3), shared over its ties by strength and taken up in proportion to each tie's reciprocity: the increasing returns that can make collaboration self-sustaining; 0 switches them off")
    shared_infrastructure: float = nonneg(1.0, "ratio per unit of infrastructure", 0.0, 2.0, "seed 003 L2317-2331 (budgets, commissioning, governance, learning), key learning 5 (data); size an assumption", "how much shared infrastructure, hardwired agreements (co-location among them) and data maturity, multiplies the joint work a network does on its own: network work x (1 + this x (hardwiring + data maturity))")


@dataclass
class Engagement:
    """Partner engagement: follows visible progress and need; falls without them."""

    base: float = prob(0.1, 0.0, 0.4, A, "engagement an organisation drifts to without visible progress", unit="0-1 scale")
    need_motivation: float = nonneg(0.1, "engagement per SD of area deprivation", 0.0, 0.3, "seed 004 L2340-2344", "pressing need raises motivation to collaborate")
    culture: float = nonneg(0.5, "engagement per unit of prior partnership", 0.0, 0.8, "seed 003 L1648 (prior partnership brings aligned activity)", "lasting lift in engagement from the place's history of partnership working")
    network_value: float = nonneg(0.3, "engagement per unit of an organisation's relationship capital", 0.0, 1.0, "seed 003 ('relationships as the currency of a system'; increasing returns)", "engagement an organisation gains from the value of its own partnerships: the feedback that can make collaboration self-sustaining")
    progress_gain: float = nonneg(1.5, "engagement per unit of visible progress", 0.5, 3.0, "seed 003 key learning 1", "how much visible progress lifts engagement")
    rate: float = prob(0.05, 0.02, 0.15, A, "share of the gap to target engagement closed each month", unit="per month")
    alignment_rate: float = prob(0.05, 0.01, 0.1, "seed 003 L231, L2172-2174", "monthly move of an organisation's agenda alignment toward its partners' (strength-weighted) alignment, times its engagement", unit="per month")
    openness: float = nonneg(0.5, "fraction per unit of absent prior partnership", 0.0, 1.5, "seed 003 L1648-1650 (in Smallshaw-Hurst 'the absence of previous partnership working ... enabled people to come together in a new way and to engage at face value'); size an assumption", "a fresh start's openness: alignment rises faster by this x (1 - the place's partnership strength); 0: no advantage")
    gatekeeping: float = prob(0.3, 0.0, 0.8, "seed 003 L1984-1986 ('established leaders and gatekeepers', 'enshrining of current power dynamics'); size an assumption", "share of the core team's introductions that established partners block, per unit of the place's prior partnership strength; 0: none", unit="fraction per unit of partnership")


@dataclass
class Norms:
    """Community norms (taking part in early learning, aspiration): complex contagion
    against a restoring force (ODD 7.7). Peers pull a family in once what it sees of the
    norm reaches its threshold; lapses, stress and newcomers pull adoption back, so a
    place may hold one stable state or two, depending on these numbers."""

    threshold_mean: float = prob(0.7, 0.5, 0.85, "Centola & Macy 2007 (complex contagion)", "mean threshold: the share holding the norm, in what a family sees (its ties and the place), at which it adopts", unit="fraction of ties")
    threshold_sd: float = nonneg(0.1, "fraction of ties", 0.05, 0.2, A, "spread of adoption thresholds")
    saturation_lowering: float = nonneg(0.4, "fraction of ties per unit of saturation", 0.0, 0.8, "seed 004 (HCZ tipping point)", "how far saturation with good services lowers the threshold")
    initial_share: float = prob(0.3, 0.1, 0.5, A, "share of families holding the norm when drawn: at the start (before settling) and among newcomers, who do not inherit their neighbours' norm", unit="fraction")
    abandon: float = prob(0.03, 0.0, 0.1, A, "extra monthly chance a holder gives the norm up when what it sees has fallen `hysteresis` below its threshold", unit="per month")
    hysteresis: float = prob(0.1, 0.0, 0.2, A, "margin below the threshold before the extra chance `abandon` applies", unit="fraction of ties")
    hle_effect: float = nonneg(0.4, "SD of home learning", 0.1, 0.8, A, "home-learning target raised by holding the norm")
    adoption_rate: float = prob(0.3, 0.1, 0.6, A + " (taking a practice up takes months, not a day)", "monthly chance a family whose view of the norm has reached its threshold adopts it", unit="per month")
    lapse: float = prob(0.02, 0.005, 0.05, A + " (life events, time and money: the cost of holding the norm)", "monthly chance a holder gives the norm up whatever its ties hold (it takes it up again if they still pull it in)", unit="per month")
    spontaneous: float = prob(0.02, 0.005, 0.04, "Bass 1969 (external influence beside imitation); the level: assumption", "monthly chance a family takes the norm up without its ties' pull (schools, services, media)", unit="per month")
    stress_cost: float = nonneg(0.2, "fraction of ties per unit of stress", 0.0, 0.4, "Mullainathan & Shafir 2013 (scarcity taxes the bandwidth effortful routines need); the size: assumption", "how far a family's stress (last month's, 0-1) raises its threshold")
    place_weight: float = prob(0.5, 0.3, 0.7, "Bicchieri 2006 (norms rest on expectations about a reference group wider than one's ties); the weight: assumption", "share of what a family sees of the norm that is the whole place's adoption (school gate, children's centre) rather than its own ties'", unit="fraction")


@dataclass
class System:
    """Data maturity and residents' and children's voice: built by hours, fading without them."""

    data_baseline: float = prob(0.1, 0.0, 0.3, "seed 003 key learning 5 (dashboards)", "data maturity without any data work", unit="0-1 scale")
    data_ceiling: float = prob(0.5, 0.3, 0.7, "seed 003 L2002 (data 'difficult to access, incomplete')", "highest maturity reachable without data-sharing agreements", unit="0-1 scale")
    data_gain: float = nonneg(0.04, "maturity per 100 hours", 0.01, 0.1, A, "monthly move toward the ceiling per 100 data-work hours, times (0.5 + 0.5 voice)")
    data_decay: float = prob(0.01, 0.0, 0.03, A, "monthly drift back toward the baseline", unit="per month")
    voice_ceiling: float = prob(0.25, 0.0, 0.5, "seed 003 L2257 (the ladder's first rung: inform)", "highest voice reachable without a participation ladder", unit="0-1 scale")
    voice_gain: float = nonneg(0.04, "voice per 100 hours", 0.01, 0.1, "seed 003 L1846 ('resource intensive')", "monthly move toward the ceiling per 100 community-engagement hours")
    voice_decay: float = prob(0.02, 0.0, 0.05, A, "monthly drift back toward no voice", unit="per month")
    voice_norm_lowering: float = nonneg(0.1, "fraction of ties per unit of voice", 0.0, 0.3, "seed 003 exploration area 1", "how far voice lowers the threshold for adopting community norms")
    voice_openness: float = nonneg(0.5, "fraction per unit of absent prior partnership", 0.0, 1.5, "seed 003 L1648-1650 (engaging 'at face value' where no partnership came before); size an assumption", "more weight on new voices in a fresh start: residents' and children's voice gain per hour rises by this x (1 - the place's partnership strength); 0: no advantage")
    children_hours_to_residents: float = prob(0.5, 0.0, 1.0, "assumption; seed 002 L33 (children's engagement 'allows families and the wider community to shape local services')", "share of the hours spent with children that also builds residents' voice (0: they cost residents' voice in full; 1: they cost nothing)", unit="fraction of hours")


@dataclass
class Demography:
    """Births, ageing, moves in and out, leaving at 19."""

    leave_age_months: int = param(228, "months", 228, 228, "design brief: children are 0-19", "age at which a young person leaves the model", hard=(12, 300))
    birth_balance: float = nonneg(1.0, "ratio", 0.8, 1.2, A, "births relative to the number that keeps the child population stationary")
    early_years_uptake: float = prob(0.9, 0.6, 0.98, "DfE take-up of funded early education for 3-4 year olds (about 90%)", "share of 2-4 year olds in an early-years setting", unit="fraction")
    post16_participation: float = prob(0.8, 0.6, 0.95, A, "share of 16-18 year olds at a sixth form or college", unit="fraction")


@dataclass
class ModelParams:
    """Every behavioural parameter, grouped by process."""

    development: Development = field(default_factory=Development)
    milestones: Milestones = field(default_factory=Milestones)
    families: Families = field(default_factory=Families)
    trust: Trust = field(default_factory=Trust)
    services: Services = field(default_factory=Services)
    ties: Ties = field(default_factory=Ties)
    engagement: Engagement = field(default_factory=Engagement)
    norms: Norms = field(default_factory=Norms)
    demography: Demography = field(default_factory=Demography)
    system: System = field(default_factory=System)
