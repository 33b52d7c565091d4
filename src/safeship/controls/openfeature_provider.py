"""The feature flags as an OpenFeature provider, so apps read them with any OpenFeature client.

Flag keys are ``"<feature>.<field>"``: ``enabled`` and ``killed`` (booleans), ``arm`` and
``policy_version`` (strings), ``bucket`` (integer), ``rollout_percent`` (float). The evaluation
context's ``targeting_key`` is the user id that picks the rollout bucket.

The async resolvers read through :class:`FeatureFlags` (at most ``cache_ttl_s`` stale). The sync
resolvers never do I/O: they answer from the last value the async side saw, because a blocking
Redis call cannot be made safely from inside a running event loop. Use the async client methods
(``get_boolean_value_async``) in the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType, Reason
from openfeature.provider import AbstractProvider, Metadata

from safeship.controls.flags import GLOBAL, Assignment, FeatureFlags, assign

T = TypeVar("T", bool, str, int, float)

_FIELDS: dict[str, type] = {
    "enabled": bool,
    "killed": bool,
    "arm": str,
    "policy_version": str,
    "bucket": int,
    "rollout_percent": float,
}


def _split(flag_key: str) -> tuple[str, str] | None:
    feature, _, field = flag_key.rpartition(".")
    return (feature, field) if feature and field in _FIELDS else None


def _value(assignment: Assignment, rollout: float, field: str) -> Any:
    if field == "rollout_percent":
        return rollout
    value = getattr(assignment, field)
    return -1 if field == "bucket" and value is None else value


class SafeshipFlagProvider(AbstractProvider):
    """OpenFeature provider over :class:`FeatureFlags`."""

    def __init__(self, flags: FeatureFlags) -> None:
        super().__init__()
        self.flags = flags

    def get_metadata(self) -> Metadata:
        """Provider name shown by OpenFeature."""
        return Metadata(name="safeship")

    @staticmethod
    def _details(
        flag_key: str, default: T, kind: type
    ) -> tuple[str, str] | FlagResolutionDetails[T]:
        parts = _split(flag_key)
        if parts is None:
            return FlagResolutionDetails(
                value=default,
                reason=Reason.ERROR,
                error_code=ErrorCode.FLAG_NOT_FOUND,
                error_message=f"unknown flag {flag_key!r}; use <feature>.<{'|'.join(_FIELDS)}>",
            )
        if _FIELDS[parts[1]] is not kind:
            return FlagResolutionDetails(
                value=default,
                reason=Reason.ERROR,
                error_code=ErrorCode.TYPE_MISMATCH,
                error_message=f"{flag_key} is a {_FIELDS[parts[1]].__name__}",
            )
        return parts

    def _answer(
        self, assignment: Assignment, rollout: float, field: str, reason: Reason
    ) -> FlagResolutionDetails[Any]:
        return FlagResolutionDetails(
            value=_value(assignment, rollout, field), reason=reason, variant=assignment.arm
        )

    def _sync(
        self, flag_key: str, default: T, kind: type, ctx: EvaluationContext | None
    ) -> FlagResolutionDetails[T]:
        parts = self._details(flag_key, default, kind)
        if isinstance(parts, FlagResolutionDetails):
            return parts
        flag = self.flags.cached(parts[0])
        result = assign(flag, ctx.targeting_key if ctx else None, self.flags.cached(GLOBAL))
        return self._answer(result, flag.rollout_percent, parts[1], Reason.CACHED)

    async def _async(
        self, flag_key: str, default: T, kind: type, ctx: EvaluationContext | None
    ) -> FlagResolutionDetails[T]:
        parts = self._details(flag_key, default, kind)
        if isinstance(parts, FlagResolutionDetails):
            return parts
        flag = await self.flags.flag(parts[0])
        result = await self.flags.assign(parts[0], ctx.targeting_key if ctx else None)
        reason = Reason.SPLIT if result.bucket is not None else Reason.STATIC
        return self._answer(result, flag.rollout_percent, parts[1], reason)

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        """Boolean flag from the local cache."""
        return self._sync(flag_key, default_value, bool, evaluation_context)

    async def resolve_boolean_details_async(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        """Boolean flag read through the store."""
        return await self._async(flag_key, default_value, bool, evaluation_context)

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        """String flag from the local cache."""
        return self._sync(flag_key, default_value, str, evaluation_context)

    async def resolve_string_details_async(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        """String flag read through the store."""
        return await self._async(flag_key, default_value, str, evaluation_context)

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        """Integer flag from the local cache."""
        return self._sync(flag_key, default_value, int, evaluation_context)

    async def resolve_integer_details_async(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        """Integer flag read through the store."""
        return await self._async(flag_key, default_value, int, evaluation_context)

    def resolve_float_details(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[float]:
        """Float flag from the local cache."""
        return self._sync(flag_key, default_value, float, evaluation_context)

    async def resolve_float_details_async(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[float]:
        """Float flag read through the store."""
        return await self._async(flag_key, default_value, float, evaluation_context)

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: Sequence[FlagValueType] | Mapping[str, FlagValueType],
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[Sequence[FlagValueType] | Mapping[str, FlagValueType]]:
        """No object flags: always the default, with ``FLAG_NOT_FOUND``."""
        return FlagResolutionDetails(
            value=default_value,
            reason=Reason.ERROR,
            error_code=ErrorCode.FLAG_NOT_FOUND,
            error_message="safeship serves no object flags",
        )
