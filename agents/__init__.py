"""The actors: households (views on the model's arrays), agencies and the key-worker team."""

from .agency import Agency
from .household import Household
from .keyworkers import KeyWorkerTeam

__all__ = ["Agency", "Household", "KeyWorkerTeam"]
