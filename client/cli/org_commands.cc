#include "client/cli/org_commands.h"

#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "absl/time/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/filter_options.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::cli {
namespace {

int RegisterOrganization(Session& session, const OrganizationFlags& flags, const std::string& file,
                         const CLI::Option* expected_revision_option, int64_t expected_revision) {
  v1::RegisterOrganizationRequest request;
  v1::Organization* organization = request.mutable_organization();
  if (!file.empty()) {
    if (absl::Status loaded = LoadMessageFromFile(file, organization); !loaded.ok()) return UsageError(loaded);
  }
  if (absl::Status applied = ApplyOrganizationFlags(flags, organization); !applied.ok()) return UsageError(applied);
  if (organization->id().empty()) return UsageError(absl::InvalidArgumentError("--id is required (or id in --file)"));
  if (organization->name().empty()) {
    return UsageError(absl::InvalidArgumentError("--name is required (or name in --file)"));
  }
  if (organization->kind() == v1::ORGANIZATION_KIND_UNSPECIFIED) {
    return UsageError(absl::InvalidArgumentError("--kind is required (or kind in --file)"));
  }
  if (organization->safety_region().empty()) {
    return UsageError(absl::InvalidArgumentError("--region is required (or safety_region in --file)"));
  }
  if (expected_revision_option->count() > 0) request.set_expected_revision(expected_revision);
  // The registry is shared by the real picture and every exercise: a registration is always real, so one made with
  // --exercise would change the real picture while the officer believes it is practice.
  if (!session.options().exercise_id.empty()) {
    return UsageError(absl::InvalidArgumentError(
        "--exercise: the registry is shared by the real picture and every exercise; register without --exercise"));
  }

  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::WriteResponse response;
  return session.PrintWrite(session.stub().RegisterOrganization(&context, request, &response), response,
                            "write.registered");
}

// Finds the organisations holding any of the identifiers given (at most one per identifier: they are unique in the
// region) and puts their ids in `ids`. NOT_FOUND when none does.
grpc::Status FindByIdentifiers(Session& session, const IdentifierFlags& flags, std::vector<std::string>* ids) {
  v1::Filter filter;
  filter.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  ApplyIdentifierFlags(flags, filter.mutable_identifiers());
  v1::ListResponse found;
  if (grpc::Status status = session.ListAll(filter, 0, &found); !status.ok()) return status;
  for (const v1::Record& record : found.records()) ids->push_back(record.organization().id());
  if (ids->empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no organisation with ", IdentifiersText(filter.identifiers())));
  }
  return grpc::Status::OK;
}

int ShowOrganization(Session& session, const std::string& id, const IdentifierFlags& identifiers) {
  const bool by_identifier = AnyIdentifierFlag(identifiers);
  if (by_identifier == !id.empty()) {
    return UsageError(absl::InvalidArgumentError(
        "give the organisation's ID or one of --agb, --ura, --kvk-branch, --lrza (not both)"));
  }
  v1::Filter filter;
  if (by_identifier) {
    std::vector<std::string> ids;
    if (grpc::Status status = FindByIdentifiers(session, identifiers, &ids); !status.ok()) return session.Fail(status);
    for (const std::string& found : ids) filter.add_organization_ids(found);
  } else {
    filter.add_organization_ids(id);
  }
  v1::ListResponse all;
  grpc::Status status = session.ListAll(filter, 0, &all);
  if (!status.ok()) return session.Fail(status);
  if (all.records().empty()) {
    return session.Fail(grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("organisation \"", id, "\"")));
  }
  if (session.options().json) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  for (const v1::Record& record : all.records()) std::cout << DescribeRecord(record, absl::LocalTimeZone()) << "\n";
  std::cout << absl::Substitute(Text("read.at_revision"), all.revision()) << "\n";
  return kExitOk;
}

int ListOrganizations(Session& session, const FilterFlags& flags, const IdentifierFlags& identifiers) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  filter->clear_kinds();
  filter->add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  ApplyIdentifierFlags(identifiers, filter->mutable_identifiers());
  v1::ListResponse all;
  grpc::Status status = session.ListAll(*filter, 0, &all);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  TextTable table({"ID", "NAME", "KIND", "SECTOR", "REGION", "ROAZ", "LOCATIONS", "CONTACT", "IDENTIFIERS"});
  table.AlignRight(6);
  for (const v1::Record& record : all.records()) {
    const v1::Organization& organization = record.organization();
    const std::string identifiers = IdentifiersText(organization.identifiers());
    std::string contact = organization.contact().name();
    if (!organization.contact().phone().empty()) {
      contact = contact.empty() ? organization.contact().phone() : contact + " " + organization.contact().phone();
    }
    table.AddRow({organization.id(), organization.name(), EnumWord(organization.kind()),
                  EnumWord(organization.sector()), organization.safety_region(),
                  organization.roaz_region().empty() ? std::string(kNotReported) : organization.roaz_region(),
                  absl::StrCat(organization.locations_size()), contact.empty() ? std::string(kNotReported) : contact,
                  identifiers.empty() ? std::string(kNotReported) : identifiers});
  }
  std::cout << table.Render() << absl::Substitute(Text("list.organizations"), all.records_size(), all.revision())
            << "\n";
  return kExitOk;
}

// Standard identifiers, to register (`for_lookup` false) or to find an organisation by (true). The issuers' names
// stay Dutch (GLOSSARY.md).
void AddIdentifierFlags(CLI::App* command, IdentifierFlags* flags, bool for_lookup) {
  const std::string group = Tr("group.identifiers");
  auto help = [for_lookup](absl::string_view id) {
    return for_lookup ? absl::Substitute(Text("help.identifier.find_by"), Text(id)) : Tr(id);
  };
  command->add_option("--agb", flags->agb, help("help.identifier.agb"))->group(group);
  command->add_option("--ura", flags->ura, help("help.identifier.ura"))->group(group);
  command->add_option("--kvk-branch", flags->kvk_branch, help("help.identifier.kvk_branch"))->group(group);
  command->add_option("--lrza", flags->lrza, help("help.identifier.lrza"))->group(group);
}

}  // namespace

OrganizationCommands::OrganizationCommands(CLI::App& app) {
  CLI::App* org = app.add_subcommand("org", Tr("help.org"));
  org->require_subcommand(1);
  register_ = org->add_subcommand("register", Tr("help.org.register"));
  register_->add_option("--id", flags_.id, Tr("help.org.register.id"));
  register_->add_option("--name", flags_.name, Tr("help.org.register.name"));
  register_->add_option("--kind", flags_.kind,
                        absl::Substitute(Text("help.org.register.kind"),
                                         absl::StrJoin(EnumWords(*v1::OrganizationKind_descriptor()), ", ")));
  register_->add_option("--region", flags_.region, Tr("help.org.register.region"));
  register_->add_option("--roaz", flags_.roaz, Tr("help.org.register.roaz"));
  register_->add_option("--location", flags_.locations, Tr("help.org.register.location"));
  register_->add_option("--site-at", flags_.site_at, Tr("help.org.register.site_at"));
  register_->add_option("--site-postcode", flags_.site_postcodes, Tr("help.org.register.site_postcode"));
  register_->add_option("--site-municipality", flags_.site_municipalities, Tr("help.org.register.site_municipality"));
  register_->add_option("--contact-name", flags_.contact_name, Tr("help.org.register.contact_name"));
  register_->add_option("--phone", flags_.phone, Tr("help.org.register.phone"));
  register_->add_option("--email", flags_.email, Tr("help.org.register.email"));
  AddIdentifierFlags(register_, &flags_.identifiers, /*for_lookup=*/false);
  register_->add_option("--file", file_, Tr("help.org.register.file"));
  expected_option_ =
      register_->add_option("--expected-revision", expected_revision_, Tr("help.org.register.expected_revision"));
  show_ = org->add_subcommand("show", Tr("help.org.show"));
  show_->add_option("ID", show_id_, Tr("help.org.show.id"));
  AddIdentifierFlags(show_, &show_identifiers_, /*for_lookup=*/true);
  list_ = org->add_subcommand("list", Tr("help.org.list"));
  AddFilterFlags(list_, &list_filter_);
  AddIdentifierFlags(list_, &list_identifiers_, /*for_lookup=*/true);
}

std::optional<int> OrganizationCommands::Run(Session& session) {
  if (register_->parsed()) return RegisterOrganization(session, flags_, file_, expected_option_, expected_revision_);
  if (show_->parsed()) return ShowOrganization(session, show_id_, show_identifiers_);
  if (list_->parsed()) return ListOrganizations(session, list_filter_, list_identifiers_);
  return std::nullopt;
}

}  // namespace ketenbeeld::cli
