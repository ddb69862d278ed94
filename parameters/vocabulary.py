"""The fixed names every part of Locality shares: need domains, tiers and spend categories.

Agencies and crisis kinds are data (defined in scenario files); these are not, because
the model's arrays are indexed by them.
"""

DOMAINS: tuple[str, ...] = (
    "worklessness",
    "substance_misuse",
    "domestic_abuse",
    "child_neglect",
    "school_absence",
    "antisocial_offending",
    "rent_arrears",
    "mental_health",
    "physical_health",
)
DOMAIN_INDEX = {name: i for i, name in enumerate(DOMAINS)}

#: Needs that only some households can have, and the household field that says which: a
#: child's neglect where there are children, school absence where a child is of school age
#: (`demography.school_ages`), worklessness where the reference person is of working age
#: (`demography.working_ages`: a retired household is not workless in the sense of the
#: published rates). Every other need can be anyone's.
WHO_CAN_HAVE: dict[str, str] = {"child_neglect": "has_children", "school_absence": "school_age",
                                "worklessness": "working_age"}

#: Households by tier, least to most need: the stocks of the system-dynamics view.
TIERS: tuple[str, ...] = ("universal", "vulnerable", "complex", "crisis")

#: Every pound is booked to exactly one of these. "crisis" is statutory (crisis responses
#: and the placements they lead to), paid whatever the budget; "universal" is the services
#: every household uses (a GP, a school place), paid outside the rationed budgets.
CATEGORIES: tuple[str, ...] = ("assessment", "prevention", "intervention", "crisis", "universal")

#: The ledger row of the pooled budget that funds key workers in the integrated regime.
POOL = "pooled_budget"

#: A model year is 52 weekly steps; its twelve months take 4 or 5 weeks each.
WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12
