"""What every response model shares."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Open(BaseModel):
    """A response may gain fields over time; clients must ignore the ones they do not know. Built on
    first use (``defer_build``), so a model a handler returns costs its cold start nothing."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    # Whether an unset optional field is left out of the answer (True) or sent as null (False): part of
    # each body's published contract, so it is said once, on the model, not at every place that sends it.
    omit_none: ClassVar[bool] = False

    def wire(self) -> dict[str, Any]:
        """The body as it is sent: JSON types, published field names (aliases)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=self.omit_none)
