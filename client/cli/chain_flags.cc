#include "client/cli/chain_flags.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/time.h"
#include "client/cli/flags.h"

namespace ketenbeeld::cli {
namespace {

// One key of a "key=N,key=N" flag and the count it sets.
template <typename Message>
struct CountKey {
  absl::string_view key;
  void (Message::*set)(int32_t);
};

// Parses "key=N,key=N" (any subset of `keys`, at least one) into a new Message.
template <typename Message, size_t N>
absl::StatusOr<Message> ParseCounts(absl::string_view flag, absl::string_view value,
                                    const CountKey<Message> (&keys)[N]) {
  std::vector<std::string> names;
  for (const CountKey<Message>& key : keys) names.push_back(absl::StrCat(key.key, "=N"));
  const std::string usage = absl::StrJoin(names, ",");
  Message message;
  int given = 0;
  for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    const size_t equals = item.find('=');
    if (equals == absl::string_view::npos) {
      return FlagError(flag, value, absl::StrCat("\"", item, "\" is not key=N (expected ", usage, ")"));
    }
    const absl::string_view key = absl::StripAsciiWhitespace(item.substr(0, equals));
    const absl::string_view text = absl::StripAsciiWhitespace(item.substr(equals + 1));
    const CountKey<Message>* found = nullptr;
    for (const CountKey<Message>& candidate : keys) {
      if (candidate.key == key) found = &candidate;
    }
    if (found == nullptr) {
      return FlagError(flag, value, absl::StrCat("unknown field \"", key, "\" (expected ", usage, ")"));
    }
    int32_t count = 0;
    if (!absl::SimpleAtoi(text, &count) || count < 0) {
      return FlagError(flag, value, absl::StrCat(key, " must be a whole number >= 0, not \"", text, "\""));
    }
    (message.*found->set)(count);
    ++given;
  }
  if (given == 0) return FlagError(flag, value, absl::StrCat("no counts given (expected ", usage, ")"));
  return message;
}

// "WORD[:REASON]" split at the first ':'.
std::pair<absl::string_view, absl::string_view> WordAndReason(absl::string_view value) {
  const size_t colon = value.find(':');
  if (colon == absl::string_view::npos) return {absl::StripAsciiWhitespace(value), {}};
  return {absl::StripAsciiWhitespace(value.substr(0, colon)), value.substr(colon + 1)};
}

// A Dutch word for an enum value, else the API's own word (enum_words.h).
template <typename Enum>
absl::StatusOr<Enum> ParseWordOrDutch(absl::string_view flag, absl::string_view value, absl::string_view word,
                                      std::initializer_list<std::pair<absl::string_view, Enum>> dutch,
                                      absl::string_view valid) {
  const std::string lower = absl::AsciiStrToLower(word);
  for (const auto& [dutch_word, number] : dutch) {
    if (lower == dutch_word) return number;
  }
  absl::StatusOr<Enum> parsed = ParseEnumWord<Enum>(word);
  if (!parsed.ok()) return FlagError(flag, value, absl::StrCat("expected ", valid));
  return *parsed;
}

}  // namespace

absl::StatusOr<v1::AmbulanceCapacity> ParseAmbulancesFlag(absl::string_view value) {
  static constexpr CountKey<v1::AmbulanceCapacity> kKeys[] = {
      {"available", &v1::AmbulanceCapacity::set_ambulances_available},
      {"deployed", &v1::AmbulanceCapacity::set_ambulances_deployed},
  };
  return ParseCounts("--ambulances", value, kKeys);
}

absl::StatusOr<v1::GpPostCapacity> ParseGpPostFlag(absl::string_view value) {
  const auto [word, reason] = WordAndReason(value);
  absl::StatusOr<v1::GpPostState> state =
      ParseWordOrDutch<v1::GpPostState>("--gp-post", value, word,
                                        {{"beperkt", v1::GP_POST_STATE_RESTRICTED},
                                         {"dicht", v1::GP_POST_STATE_CLOSED},
                                         {"gesloten", v1::GP_POST_STATE_CLOSED}},
                                        "open|restricted|closed[:REASON] (or open|beperkt|dicht)");
  if (!state.ok()) return state.status();
  v1::GpPostCapacity gp_post;
  gp_post.set_state(*state);
  gp_post.set_reason(std::string(reason));
  return gp_post;
}

absl::StatusOr<v1::GpPostCapacity> ParseGpCapacityFlag(absl::string_view value) {
  static constexpr CountKey<v1::GpPostCapacity> kKeys[] = {
      {"per-hour", &v1::GpPostCapacity::set_consultations_per_hour},
      {"slots", &v1::GpPostCapacity::set_slots_available},
  };
  return ParseCounts("--gp-capacity", value, kKeys);
}

absl::StatusOr<v1::HomeCareCapacity> ParseHomeCareFlag(absl::string_view value) {
  static constexpr CountKey<v1::HomeCareCapacity> kKeys[] = {
      {"clients", &v1::HomeCareCapacity::set_clients_in_care},
      {"powered-devices", &v1::HomeCareCapacity::set_clients_on_powered_devices},
      {"home-ventilation", &v1::HomeCareCapacity::set_clients_on_home_ventilation},
  };
  return ParseCounts("--home-care", value, kKeys);
}

absl::StatusOr<v1::PublicHealthCapacity> ParseGgdTeamsFlag(absl::string_view value) {
  static constexpr CountKey<v1::PublicHealthCapacity> kKeys[] = {
      {"infection-control", &v1::PublicHealthCapacity::set_infection_control_teams_available},
      {"vaccination", &v1::PublicHealthCapacity::set_vaccination_teams_available},
      {"psychosocial", &v1::PublicHealthCapacity::set_psychosocial_teams_available},
  };
  return ParseCounts("--ggd-teams", value, kKeys);
}

absl::StatusOr<v1::IntakeStop> ParseIntakeStopFlag(absl::string_view value) {
  const auto [word, reason] = WordAndReason(value);
  absl::StatusOr<v1::IntakeStopState> state =
      ParseWordOrDutch<v1::IntakeStopState>("--intake-stop", value, word,
                                            {{"opnamestop", v1::INTAKE_STOP_STATE_ACTIVE},
                                             {"cliëntenstop", v1::INTAKE_STOP_STATE_ACTIVE},
                                             {"clientenstop", v1::INTAKE_STOP_STATE_ACTIVE},
                                             {"geen", v1::INTAKE_STOP_STATE_NONE}},
                                            "active|none[:REASON] (or opnamestop|cliëntenstop|geen)");
  if (!state.ok()) return state.status();
  if (*state != v1::INTAKE_STOP_STATE_ACTIVE && !reason.empty()) {
    return FlagError("--intake-stop", value, "a reason only with an active intake stop");
  }
  v1::IntakeStop intake_stop;
  intake_stop.set_state(*state);
  intake_stop.set_reason(std::string(reason));
  return intake_stop;
}

absl::StatusOr<std::vector<std::string>> ApplyChainReportFlags(const ChainReportFlags& flags,
                                                               v1::StatusReport* report) {
  std::vector<std::string> set;
  auto mark = [&](const char* field) {
    if (std::find(set.begin(), set.end(), field) == set.end()) set.emplace_back(field);
  };
  if (!flags.ambulances.empty()) {
    absl::StatusOr<v1::AmbulanceCapacity> ambulance = ParseAmbulancesFlag(flags.ambulances);
    if (!ambulance.ok()) return ambulance.status();
    *report->mutable_ambulance() = *std::move(ambulance);
    mark("ambulance");
  }
  if (!flags.gp_post.empty()) {
    absl::StatusOr<v1::GpPostCapacity> gp_post = ParseGpPostFlag(flags.gp_post);
    if (!gp_post.ok()) return gp_post.status();
    report->mutable_gp_post()->set_state(gp_post->state());
    report->mutable_gp_post()->set_reason(gp_post->reason());
    mark("gp_post.state");
    mark("gp_post.reason");
  }
  if (!flags.gp_capacity.empty()) {
    absl::StatusOr<v1::GpPostCapacity> counts = ParseGpCapacityFlag(flags.gp_capacity);
    if (!counts.ok()) return counts.status();
    v1::GpPostCapacity& gp_post = *report->mutable_gp_post();
    gp_post.clear_consultations_per_hour();
    gp_post.clear_slots_available();
    if (counts->has_consultations_per_hour()) gp_post.set_consultations_per_hour(counts->consultations_per_hour());
    if (counts->has_slots_available()) gp_post.set_slots_available(counts->slots_available());
    mark("gp_post.consultations_per_hour");
    mark("gp_post.slots_available");
  }
  if (!flags.home_care.empty()) {
    absl::StatusOr<v1::HomeCareCapacity> home_care = ParseHomeCareFlag(flags.home_care);
    if (!home_care.ok()) return home_care.status();
    *report->mutable_home_care() = *std::move(home_care);
    mark("home_care");
  }
  if (!flags.ggd_teams.empty()) {
    absl::StatusOr<v1::PublicHealthCapacity> teams = ParseGgdTeamsFlag(flags.ggd_teams);
    if (!teams.ok()) return teams.status();
    *report->mutable_public_health() = *std::move(teams);
    mark("public_health");
  }
  if (!flags.intake_stop.empty()) {
    absl::StatusOr<v1::IntakeStop> intake_stop = ParseIntakeStopFlag(flags.intake_stop);
    if (!intake_stop.ok()) return intake_stop.status();
    *report->mutable_intake_stop() = *std::move(intake_stop);
    mark("intake_stop");
  }
  const std::pair<absl::string_view, const std::string*> times[] = {{"--intake-stop-since", &flags.intake_stop_since},
                                                                    {"--intake-stop-until", &flags.intake_stop_until}};
  for (const auto& [flag, text] : times) {
    if (text->empty()) continue;
    absl::StatusOr<absl::Time> time = ParseTimeFlag(flag, *text);
    if (!time.ok()) return time.status();
    // Without an active stop the server would refuse the time; say so here, naming the flag that is missing.
    if (report->intake_stop().state() != v1::INTAKE_STOP_STATE_ACTIVE) {
      return FlagError(flag, *text, "needs --intake-stop active (or an active intake_stop in --file)");
    }
    *(flag == "--intake-stop-since" ? report->mutable_intake_stop()->mutable_since()
                                    : report->mutable_intake_stop()->mutable_until()) = ToProtoTime(*time);
    mark("intake_stop");
  }
  return set;
}

}  // namespace ketenbeeld::cli
