"""A constraint on a policy value that the loader checks and the JSON Schema states.

Used as `Annotated[T, constraint]`: pydantic runs `check` after `T`'s own validation (its
ValueError or PydanticCustomError reports the value as usual), and the JSON Schema of the field
gains `schema_extra()`, so an editor refuses what the loader refuses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema


class Constraint(ABC):
    """A check the loader runs and the schema states; subclasses say both."""

    @abstractmethod
    def check(self, value: Any) -> Any:
        """`value` when it holds (possibly normalized), else ValueError or
        PydanticCustomError."""

    @abstractmethod
    def schema_extra(self) -> dict[str, Any]:
        """The JSON Schema keywords that state the same constraint."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), **self.schema_extra()}
