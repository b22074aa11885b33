// Layer-4 reporting: each required report becomes a STIX 2.1 bundle (the incident, an indicator per
// observable, a sighting per indicator) written to an outbox directory and handed to a configured sender
// command; the command's acceptance is the delivery receipt. Used through ForwardSpool + ForwardPump like
// the other forwarders, so reports wait on disk while the national centre is unreachable.
// Thread contract: pure formatting functions; one thread per StixOutboxForwarder.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/incident.h"
#include "vigil/core/result.h"
#include "vigil/correlator/forwarder.h"

namespace vigil::correlator {

// A serious incident outside drills: what the layer-4 report clock covers.
bool needs_layer4_report(const Incident& incident);

// The bundle as one line of JSON. Ids are name-based UUIDs (version 8) derived from the incident id and
// the object, so the same incident always gives the same ids and the receiver can deduplicate.
std::string format_stix_bundle(const Incident& incident, const std::string& organisation);

// The name-based UUID those ids use ("incident|INC-000007" -> the same UUID every time), for callers that
// add objects or bundles of their own (the daemon's full and final reports).
std::string stix_name_uuid(std::string_view name);

struct StixReceipt {
  std::string incident_id;
  std::string bundle_file;
  std::string receipt;  // what the sender printed on stdout (trimmed), or "accepted"
  // The bundle incident's x_vigil_report_kind: "initial" (also when absent), "full" or "final".
  std::string report_kind = "initial";
};

class StixOutboxForwarder final : public Forwarder {
 public:
  // `sender`: program and arguments; the bundle's path is appended. Exit status 0 means accepted.
  // Empty: bundles are only written to the outbox (an operator or another tool sends them).
  StixOutboxForwarder(std::filesystem::path outbox, std::vector<std::string> sender,
                      std::function<void(const StixReceipt&)> on_receipt)
      : outbox_(std::move(outbox)), sender_(std::move(sender)), on_receipt_(std::move(on_receipt)) {}

  // Each record is a bundle from format_stix_bundle. Stops at the first bundle the sender refuses.
  Result<void> deliver(std::span<const std::string> records) override;

 private:
  std::filesystem::path outbox_;
  std::vector<std::string> sender_;
  std::function<void(const StixReceipt&)> on_receipt_;
};

}  // namespace vigil::correlator
