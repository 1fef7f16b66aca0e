// render: the two outputs of a diagnosis. JSON (schema_version 1, docs/profile.md) for machines:
// {"schema_version", "tool", "source", "kernels": [{"name", "duration_ns", ..., "findings":
// [...ranked...], "hotspots": [...]}]}. Markdown for agents and people: one screen per kernel.
#pragma once

#include <string>

#include "core/json_io.h"
#include "profile/model.h"

namespace kda::profile {

inline constexpr int kSchemaVersion = 1;

Json to_json(const Report& r);
std::string to_markdown(const Report& r);

}  // namespace kda::profile
