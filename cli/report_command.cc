#include "report_command.h"

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "report_form.h"
#include "table.h"
#include "time_text.h"

namespace vigil::cli {

using nlohmann::json;

namespace {

struct DueOptions {
  std::string socket = default_socket_path();
  std::string within = "24h";
  bool all = false;
  bool check = false;
  bool json = false;
};

struct ReportOptions {
  std::string socket = default_socket_path();
  std::string id;
  std::string kind = "initial";
  std::string format = "text";
  std::string impact;
  std::string help_requested;
  bool wait = false;
  std::string timeout = "60s";
  bool json = false;
};

// "2d 4h", "5h 12m", "12m", "40s": the two largest units of a span, for "in ..." and "... late".
std::string span_text(int64_t seconds) {
  const int64_t days = seconds / 86400, hours = seconds % 86400 / 3600, minutes = seconds % 3600 / 60;
  const bool vi = lang() == Lang::vi;
  auto unit = [vi](int64_t n, const char* en, const char* vi_unit) {
    return std::to_string(n) + (vi ? std::string(" ") + vi_unit : std::string(en));
  };
  if (days > 0) return unit(days, "d", "ngày") + " " + unit(hours, "h", "giờ");
  if (hours > 0) return unit(hours, "h", "giờ") + " " + unit(minutes, "m", "phút");
  if (minutes > 0) return unit(minutes, "m", "phút");
  return unit(seconds, "s", "giây");
}

std::string left_text(const json& report) {
  const int64_t left = report.value("seconds_left", int64_t{0});
  if (left < 0) return std::string(tr("overdue by")) + " " + span_text(-left);
  return std::string(tr("due in")) + " " + span_text(left);
}

std::string kind_text(const std::string& kind) {
  if (kind == "initial") return std::string(tr("initial notice (24h)"));
  if (kind == "full") return std::string(tr("full report (72h)"));
  return std::string(tr("final report"));
}

Timestamp time_field(const json& object, const char* key) {
  auto parsed = parse_timestamp(object.value(key, ""));
  return parsed ? *parsed : 0;
}

json report_params(const ReportOptions& options) {
  json params = {{"id", options.id}, {"kind", options.kind}};
  if (!options.impact.empty()) params["impact"] = options.impact;
  if (!options.help_requested.empty()) params["help_requested"] = options.help_requested;
  return params;
}

int run_due(const DueOptions& options) {
  json params = json::object();
  if (!options.all) {
    if (auto span = parse_duration(options.within); !span) return usage_error("--within: " + span.error().message);
    params["within"] = options.within;
  }
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  auto due = client->call("reports.due", params);
  if (!due) return runtime_error(due.error().message);
  const json& reports = (*due)["reports"];
  const size_t overdue = due->value("overdue", size_t{0});
  const int code = options.check && overdue > 0 ? kExitOverdue : kExitOk;
  if (options.json) {
    std::cout << due->dump() << "\n";
    return code;
  }
  if (reports.empty()) {
    if (options.all) {
      std::cout << tr("No layer-4 report is outstanding.") << "\n";
    } else {
      std::cout << tr("No layer-4 report is due within") << " " << options.within << ".\n";
    }
    return code;
  }
  Table table({tr("ID"), tr("REPORT"), tr("DUE"), tr("LEFT"), tr("SEVERITY"), tr("STATE"), tr("TITLE")});
  table.set_severity_column(4);
  for (const auto& report : reports) {
    const Timestamp at = time_field(report, "due");
    table.add_row({report.value("id", ""), kind_text(report.value("kind", "")), table_time(at),
                   left_text(report), report.value("severity", ""), report.value("state", ""), report.value("title", "")});
  }
  table.print(std::cout);
  std::cout << "\n" << reports.size() << " " << tr("reports") << ", " << overdue << " " << tr("overdue") << ".";
  if (overdue > 0) std::cout << " " << tr("Draft one with: vigil report ID --kind KIND; send it with: vigil report send ID --kind KIND");
  std::cout << "\n";
  return code;
}

int run_report(const ReportOptions& options) {
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  auto form = client->call("reports.form", report_params(options));
  if (!form) return runtime_error(form.error().message);
  if (options.format == "json") {
    std::cout << (*form)["form"].dump(2) << "\n";
  } else if (options.format == "stix") {
    std::cout << (*form)["stix"].dump() << "\n";
  } else {
    print_report_form(std::cout, (*form)["form"], SystemClock().now());
  }
  return kExitOk;
}

// Whether the incident's report clock (or timeline, for the final report) records this report as sent.
json sent_record(const json& incident, const std::string& kind) {
  const json report = incident.value("report", json::object());
  if (kind != "final") {
    const json sent = report.value(kind + "_sent", json());
    if (sent.is_null()) return json();
    const json receipts = report.value("receipts", json::array());
    return {{"sent_at", sent}, {"receipt", receipts.empty() ? json() : receipts.back()}};
  }
  for (const auto& entry : incident.value("timeline", json::array())) {
    const std::string what = entry.value("what", "");
    if (!what.starts_with("layer-4 final report sent")) continue;
    const size_t receipt = what.find(", receipt ");
    return {{"sent_at", entry.value("time", "")},
            {"receipt", receipt == std::string::npos ? json() : json(what.substr(receipt + 10))}};
  }
  return json();
}

int run_send(const ReportOptions& options) {
  Duration timeout = 0;
  if (options.wait) {
    auto parsed = parse_duration(options.timeout);
    if (!parsed) return usage_error("--timeout: " + parsed.error().message);
    timeout = *parsed;
  }
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  auto queued = client->call("reports.send", report_params(options));
  if (!queued) return runtime_error(queued.error().message);
  json out = *queued;
  if (!options.json) {
    std::cout << tr("Queued") << " " << kind_text(options.kind) << " " << tr("of incident") << " " << options.id << " "
              << tr("on the layer-4 outbox") << " " << queued->value("forwarder", "") << " ("
              << queued->value("bundle_id", "") << ", " << queued->value("backlog", 0) << " " << tr("waiting") << ").\n";
  }
  if (!options.wait) {
    if (options.json) {
      std::cout << out.dump() << "\n";
    } else {
      std::cout << tr("The report clock marks it sent when the centre's receipt arrives: vigil report") << " "
                << options.id << " --kind " << options.kind << "\n";
    }
    return kExitOk;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(timeout);
  for (;;) {
    auto incident = client->call("incidents.get", {{"id", options.id}});
    if (!incident) return runtime_error(incident.error().message);
    if (json sent = sent_record(*incident, options.kind); !sent.is_null()) {
      out["delivered"] = sent;
      if (options.json) {
        std::cout << out.dump() << "\n";
      } else {
        const json receipt = sent.value("receipt", json());
        std::cout << tr("Delivered") << ": " << tr("receipt") << " \""
                  << (receipt.is_string() ? receipt.get<std::string>() : std::string()) << "\", " << tr("recorded at")
                  << " " << sent.value("sent_at", "") << "\n";
      }
      return kExitOk;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (options.json) {
    out["delivered"] = nullptr;
    std::cout << out.dump() << "\n";
  }
  std::cerr << "vigil: no receipt within " << options.timeout
            << "; the report stays queued and is retried (see the forwarders in: vigil status)\n";
  return kExitFailure;
}

void add_form_fields(CLI::App* cmd, ReportOptions& options) {
  cmd->add_option("--impact", options.impact, "Impact of the incident, for the form's impact field");
  cmd->add_option("--help-requested", options.help_requested, "Help asked of the national centre, for the form");
  cmd->add_option("--socket", options.socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
}

}  // namespace

void add_report_commands(CLI::App& app, int& exit_code) {
  // vigil reports due
  CLI::App* reports = app.add_subcommand("reports", "Layer-4 reports (national centre): which are due");
  reports->require_subcommand(1);
  auto due_options = std::make_shared<DueOptions>();
  CLI::App* due = reports->add_subcommand("due", "Initial notices (24 h) and full reports (72 h) due or overdue, soonest first");
  due->add_option("--within", due_options->within, "Due before now + this span (90m, 24h, 7d)")->capture_default_str();
  due->add_flag("--all", due_options->all, "Every report not sent yet, whenever it is due");
  due->add_flag("--check", due_options->check, "Exit 3 when a listed report is overdue (for cron)");
  due->add_flag("--json", due_options->json, "One JSON object (now, overdue, reports[]), for scripts");
  due->add_option("--socket", due_options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  due->fallthrough();
  due->footer(
      "Drills and incidents the reporting policy does not call serious are never listed.\n\n"
      "Examples:\n"
      "  vigil reports due\n"
      "  vigil reports due --within 72h\n"
      "  vigil reports due --all --json | jq -r '.reports[] | select(.overdue) | .id'\n"
      "  vigil reports due --check || mail -s 'layer-4 reports overdue' soc@example   # cron\n\n"
      "Exit codes: 0 listed, 1 daemon unreachable or refused, 2 bad arguments, 3 (with --check) a report is overdue.");
  due->callback([due_options, &exit_code] { exit_code = run_due(*due_options); });
  reports->footer("Example:\n  vigil reports due --within 24h\n\nRun 'vigil reports due --help' for its options.");

  // vigil report ID / vigil report send ID
  auto options = std::make_shared<ReportOptions>();
  auto send_options = std::make_shared<ReportOptions>();
  CLI::App* report = app.add_subcommand("report", "The national incident-report form of an incident, and sending it to layer 4");
  report->add_option("id", options->id, "Incident id (INC-000007)");
  report->add_option("--kind", options->kind, "initial (24 h notice), full (72 h report) or final (after resolution)")
      ->check(CLI::IsMember({"initial", "full", "final"}))
      ->capture_default_str();
  report->add_option("--format", options->format, "text (the form, for people), json (its fields) or stix (the bundle sent)")
      ->check(CLI::IsMember({"text", "json", "stix"}))
      ->capture_default_str();
  add_form_fields(report, *options);
  report->fallthrough();

  CLI::App* send = report->add_subcommand("send", "Queue the report on vigild's layer-4 outbox (liaison or admin role)");
  send->add_option("id", send_options->id, "Incident id (INC-000007)")->required();
  send->add_option("--kind", send_options->kind, "initial, full or final")
      ->check(CLI::IsMember({"initial", "full", "final"}))
      ->required();
  add_form_fields(send, *send_options);
  send->add_flag("--wait", send_options->wait, "Wait for the centre's receipt (the sender's acceptance)");
  send->add_option("--timeout", send_options->timeout, "With --wait: how long")->capture_default_str();
  send->add_flag("--json", send_options->json, "The queued report (and the receipt with --wait) as JSON");
  send->fallthrough();
  send->footer(
      "The report goes into the outbox's durable spool; vigild's forwarding thread hands it to the configured\n"
      "sender, and the sender's acceptance is recorded on the incident's report clock and the audit chain.\n"
      "Drills and incidents that need no report are refused with the reason.\n\n"
      "Examples:\n"
      "  vigil report send INC-000005 --kind initial --impact 'SSH service slowed for 10 min' --wait\n"
      "  vigil report send INC-000005 --kind full --help-requested 'malware analysis'\n\n"
      "Exit codes: 0 queued (with --wait: delivered), 1 refused, daemon unreachable or no receipt in time,\n"
      "2 bad arguments.");
  send->callback([send_options, &exit_code] { exit_code = run_send(*send_options); });

  report->footer(
      "Fields vigil cannot know (impact, help requested) come from --impact and --help-requested, or the form\n"
      "marks them to be filled in. --lang vi prints the form's Vietnamese labels and category names.\n\n"
      "Examples:\n"
      "  vigil report INC-000005 --kind initial\n"
      "  vigil --lang vi report INC-000005 --kind full --impact 'Cổng dịch vụ công gián đoạn 2 giờ'\n"
      "  vigil report INC-000005 --format stix > INC-000005.stix.json\n"
      "  vigil report send INC-000005 --kind initial --wait\n\n"
      "Exit codes: 0 printed, 1 no such incident or daemon unreachable, 2 bad arguments.");
  report->callback([report, send, options, &exit_code] {
    if (report->got_subcommand(send)) return;
    if (options->id.empty()) {
      exit_code = usage_error("report: an incident id is needed (vigil report INC-000005), or: vigil report send ID");
      return;
    }
    exit_code = run_report(*options);
  });
}

}  // namespace vigil::cli
