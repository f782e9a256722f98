"""Mahak cloud sync simulator: the contract of /work/shared/mahak-api.md over HTTP, with switches,
fault injection, a Persian data generator and a control API for tests."""

from hamgam_sim.mahak.auth import Account
from hamgam_sim.mahak.faults import FaultRule
from hamgam_sim.mahak.simulator import MahakSimulator
from hamgam_sim.mahak.switches import Switches

__all__ = ["Account", "FaultRule", "MahakSimulator", "Switches"]
