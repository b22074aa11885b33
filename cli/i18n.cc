#include "i18n.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace vigil::cli {

namespace {

Lang g_lang = Lang::en;

// English -> Vietnamese, administrative Vietnamese as a provincial SOC writes it ("lớp 4" is the fourth
// layer of the national four-layer protection model, "cấp độ an toàn" the protection level of Decree 85).
// Sorted at first use, so entries can stay grouped here. tests/cli/polish_test.cc checks that every tr()
// literal in cli/ has an entry.
using Entry = std::pair<std::string_view, std::string_view>;
constexpr Entry kVietnamese[] = {
    // Table headers (upper case, as the English ones).
    {"ACTION", "HÀNH ĐỘNG"},
    {"ACTOR", "NGƯỜI THỰC HIỆN"},
    {"ASSIGNEE", "NGƯỜI PHỤ TRÁCH"},
    {"CLASS", "LOẠI DỮ LIỆU"},
    {"COLUMN FAMILY", "HỌ CỘT"},
    {"COUNT", "SỐ LƯỢNG"},
    {"DESTINATION", "ĐÍCH"},
    {"DETAIL", "CHI TIẾT"},
    {"EVENTS", "SỰ KIỆN"},
    {"EXPIRES", "HẾT HẠN"},
    {"FIRST SEEN", "LẦN ĐẦU"},
    {"HITS", "SỐ LẦN KHỚP"},
    {"ID", "MÃ"},
    {"INCIDENT", "SỰ CỐ"},
    {"LAST", "GẦN NHẤT"},
    {"LAST SEEN", "LẦN CUỐI"},
    {"LATE", "TRỄ HẠN"},
    {"LAYER", "LỚP"},
    {"MATCH", "ĐIỀU KIỆN"},
    {"MEMTABLES", "BẢNG TRONG BỘ NHỚ"},
    {"MESSAGE", "THÔNG ĐIỆP"},
    {"METHOD", "THAO TÁC"},
    {"MSG", "THÔNG ĐIỆP"},
    {"NEWEST (UTC)", "MỚI NHẤT (UTC)"},
    {"NOT SENT, OVERDUE", "CHƯA GỬI, QUÁ HẠN"},
    {"OLDEST (UTC)", "CŨ NHẤT (UTC)"},
    {"OVERRIDES", "GHI ĐÈ"},
    {"OWNER", "NGƯỜI CHỊU TRÁCH NHIỆM"},
    {"REASON", "LÝ DO"},
    {"REV", "PHIÊN BẢN"},
    {"ROLE", "VAI TRÒ"},
    {"RULE", "QUY TẮC"},
    {"SENSOR", "CẢM BIẾN"},
    {"SEQ", "STT"},
    {"SEV", "MỨC"},
    {"SEVERITY", "MỨC ĐỘ"},
    {"SID", "SID"},
    {"SIGNATURE", "CHỮ KÝ"},
    {"SOURCE", "NGUỒN"},
    {"STATE", "TRẠNG THÁI"},
    {"SUPPRESSED", "ĐÃ LỌC BỎ"},
    {"TABLE FILES", "TỆP BẢNG"},
    {"TIME", "THỜI GIAN"},
    {"TIME (UTC)", "THỜI GIAN (UTC)"},
    {"TITLE", "TIÊU ĐỀ"},
    {"WHAT", "NỘI DUNG"},
    {"CHECKS", "SỐ LẦN KIỂM TRA"},
    {"CONDITION", "ĐIỀU KIỆN"},
    {"DUE", "HẠN"},
    {"ENABLED", "ĐANG BẬT"},
    {"GROUP", "NHÓM"},
    {"LEFT", "CÒN LẠI"},
    {"MATCHES", "SỐ LẦN KHỚP"},
    {"RAISED", "ĐÃ TẠO"},
    {"REPORT", "BÁO CÁO"},
    {"SHARE", "TỶ LỆ"},
    {"STORED", "ĐÃ LƯU"},
    {"TIME µs", "THỜI GIAN µs"},
    {"TLP", "TLP"},
    {"TYPE", "LOẠI"},
    {"WINDOW", "KHOẢNG THỜI GIAN"},

    // Severities, as tables may show them (--json keeps the English words).
    {"critical", "nghiêm trọng"},
    {"high", "cao"},
    {"medium", "trung bình"},
    {"low", "thấp"},
    {"info", "thông tin"},

    // Headings and whole sentences.
    {"Alerts by signature", "Cảnh báo theo chữ ký"},
    {"Counters", "Bộ đếm"},
    {"Events", "Sự kiện"},
    {"Incidents", "Sự cố"},
    {"No alerts match.", "Không có cảnh báo nào phù hợp."},
    {"No alerts.", "Không có cảnh báo."},
    {"No audit entries match.", "Không có mục nhật ký kiểm toán nào phù hợp."},
    {"No incidents match.", "Không có sự cố nào phù hợp."},
    {"No rules match.", "Không có quy tắc nào phù hợp."},
    {"No suppressions.", "Không có quy tắc lọc bỏ nào."},
    {"Never fired", "Chưa từng kích hoạt"},
    {"Noisiest rules", "Các quy tắc cảnh báo nhiều nhất"},
    {"Nothing to change: the rules are already so.", "Không có gì cần thay đổi: các quy tắc đã ở đúng trạng thái này."},
    {"Observables", "Dữ liệu quan sát"},
    {"Overrides:", "Ghi đè:"},
    {"Report clock (layer 4)", "Thời hạn báo cáo (lớp 4)"},
    {"Rules loaded", "Số quy tắc đã nạp"},
    {"Rules loaded:", "Số quy tắc đã nạp:"},
    {"Rules skipped", "Số quy tắc bị bỏ qua"},
    {"STOPPED", "ĐÃ DỪNG"},
    {"Skipped by reason", "Bị bỏ qua, theo lý do"},
    {"Suppression added:", "Đã thêm quy tắc lọc bỏ:"},
    {"Suppression removed:", "Đã gỡ quy tắc lọc bỏ:"},
    {"Suppressions", "Quy tắc lọc bỏ"},
    {"Suppressions:", "Quy tắc lọc bỏ:"},
    {"Timeline", "Diễn biến"},
    {"A drill: never reported to layer 4.", "Diễn tập: không bao giờ báo cáo lên lớp 4."},
    {"Delivered", "Đã chuyển đến"},
    {"Draft one with: vigil report ID --kind KIND; send it with: vigil report send ID --kind KIND",
     "Soạn báo cáo: vigil report ID --kind KIND; gửi đi: vigil report send ID --kind KIND"},
    {"First event", "Sự kiện đầu tiên"},
    {"Incident", "Sự cố"},
    {"Initial notice", "Thông báo ban đầu"},
    {"No incidents: the rules raised nothing on this input.",
     "Không có sự cố: các quy tắc không tạo sự cố nào với dữ liệu này."},
    {"No layer-4 report is due within", "Không có báo cáo lớp 4 nào đến hạn trong vòng"},
    {"No layer-4 report is outstanding.", "Không còn báo cáo lớp 4 nào chưa gửi."},
    {"Not serious under the reporting policy: no layer-4 report is required.",
     "Chưa đến mức phải báo cáo theo quy định: không cần báo cáo lên lớp 4."},
    {"Queued", "Đã đưa vào hàng đợi"},
    {"RAISED: since vigild started; STORED: incidents in the data dir.",
     "ĐÃ TẠO: từ khi vigild khởi động; ĐÃ LƯU: sự cố trong thư mục dữ liệu."},
    {"Report clock", "Thời hạn báo cáo"},
    {"Severity", "Mức độ"},
    {"Status now", "Trạng thái hiện tại"},
    {"The report clock marks it sent when the centre's receipt arrives: vigil report",
     "Thời hạn báo cáo chỉ ghi nhận là đã gửi khi có biên nhận của trung tâm: vigil report"},
    {"[to be filled in]", "[cần điền]"},
    {"vigild has no correlation rules loaded (correlation.paths in its config).",
     "vigild chưa nạp quy tắc tương quan nào (correlation.paths trong cấu hình)."},
    {"Window:", "Khoảng thời gian:"},
    {"audit chain BROKEN at entry", "chuỗi kiểm toán BỊ HỎNG tại mục"},
    {"audit chain intact", "chuỗi kiểm toán nguyên vẹn"},
    {"events already removed by retention", "sự kiện đã bị xóa theo thời hạn lưu trữ"},
    {"following new alerts (Ctrl-C ends)", "đang theo dõi cảnh báo mới (Ctrl-C để dừng)"},
    {"lost vigild", "mất kết nối với vigild"},
    {"reconnecting", "đang kết nối lại"},
    {"retrying every second", "thử lại mỗi giây"},
    {"vigild is back; going on from where the tail was", "vigild đã hoạt động trở lại; tiếp tục từ chỗ đang theo dõi"},
    {"vigild recompiled its rules:", "vigild đã biên dịch lại các quy tắc:"},
    {"yes: never reported to layer 4", "có: không bao giờ báo cáo lên lớp 4"},

    // Labels and words inside lines of text.
    {"action:", "hành động:"},
    {"active", "đang hiệu lực"},
    {"agencies", "cơ quan"},
    {"alerts", "cảnh báo"},
    {"alerts:", "cảnh báo:"},
    {"assignee", "người phụ trách"},
    {"by", "bởi"},
    {"category", "phân loại"},
    {"central on", "máy chủ trung tâm tại"},
    {"classtype:", "phân loại:"},
    {"data dir", "thư mục dữ liệu"},
    {"detected", "phát hiện lúc"},
    {"disabled", "đã tắt"},
    {"drill", "diễn tập"},
    {"dropped", "bị bỏ"},
    {"due", "hạn"},
    {"enabled", "đang bật"},
    {"entries", "mục"},
    {"events", "sự kiện"},
    {"every alert", "mọi cảnh báo"},
    {"expired", "đã hết hạn"},
    {"expires", "hết hạn"},
    {"fired:", "đã kích hoạt:"},
    {"first seen", "lần đầu"},
    {"full report", "báo cáo đầy đủ"},
    {"hits:", "số lần khớp:"},
    {"incidents", "sự cố"},
    {"initial notice", "thông báo ban đầu"},
    {"kernel drops", "gói bị nhân hệ điều hành bỏ"},
    {"last", "gần nhất"},
    {"last reload refused", "lần nạp lại gần nhất bị từ chối"},
    {"last seen", "lần cuối"},
    {"layer", "lớp"},
    {"link", "liên kết"},
    {"loaded", "đã nạp"},
    {"message:", "thông điệp:"},
    {"more", "còn nữa"},
    {"more (--json lists all)", "còn nữa (--json liệt kê tất cả)"},
    {"no", "không"},
    {"no report required", "không cần báo cáo"},
    {"no such rule", "không có quy tắc này"},
    {"none", "không có"},
    {"not loaded", "chưa nạp"},
    {"not sent yet", "chưa gửi"},
    {"nothing changed", "không có thay đổi"},
    {"now", "hiện tại"},
    {"of", "trên"},
    {"of incident", "của sự cố"},
    {"open", "đang mở"},
    {"or --all", "hoặc --all"},
    {"owner", "người chịu trách nhiệm"},
    {"packets", "gói tin"},
    {"priority", "độ ưu tiên"},
    {"protection level", "cấp độ an toàn"},
    {"raised or updated", "được tạo hoặc cập nhật"},
    {"receipts", "biên nhận"},
    {"received", "đã nhận"},
    {"reloads", "lần nạp lại"},
    {"rule", "quy tắc"},
    {"rule threshold:", "ngưỡng của quy tắc:"},
    {"rule:", "quy tắc:"},
    {"rules", "quy tắc"},
    {"sensor", "cảm biến"},
    {"sent", "đã gửi"},
    {"severity", "mức độ"},
    {"since counting began", "từ khi bắt đầu đếm"},
    {"source:", "nguồn:"},
    {"state", "trạng thái"},
    {"storage", "lưu trữ"},
    {"stored", "đã lưu"},
    {"suppressed", "đã lọc bỏ"},
    {"suppressed:", "đã lọc bỏ:"},
    {"suppressions", "quy tắc lọc bỏ"},
    {"threshold", "ngưỡng"},
    {"unknown", "chưa rõ"},
    {"up", "đã chạy"},
    {"variables:", "biến:"},
    {"you", "bạn"},
    {"backlog", "tồn đọng"},
    {"events waiting for the pipeline", "sự kiện chờ xử lý"},
    {"incidents spooled for", "sự cố chờ gửi tới"},
    {"version", "phiên bản"},

    // vigil rules reload, vigil audit log --verify.
    {"correlation rules and policy", "quy tắc tương quan và chính sách"},
    {"reloaded", "đã nạp lại"},
    {"signature rules", "quy tắc chữ ký"},
    {"to", "đến"},

    // vigil verify, vigil admin check and stats.
    {"Data dir", "Thư mục dữ liệu"},
    {"TAMPERED", "BỊ SỬA ĐỔI"},
    {"audit chain", "chuỗi kiểm toán"},
    {"audit entries", "mục nhật ký kiểm toán"},
    {"chain intact", "chuỗi nguyên vẹn"},
    {"created", "tạo lúc"},
    {"events and incidents decoded", "sự kiện và sự cố đã giải mã"},
    {"from", "từ"},
    {"ok", "tốt"},
    {"on disk", "trên đĩa"},
    {"records", "bản ghi"},
    {"signed by key id", "ký bằng khóa có mã"},
    {"table checksums", "tổng kiểm tra bảng"},
    {"valid", "hợp lệ"},

    // vigil export, vigil admin backup and keygen.
    {"Backup of", "Bản sao lưu của"},
    {"Ed25519 key pair, key id", "Cặp khóa Ed25519, mã khóa"},
    {"Exported", "Đã xuất"},
    {"by vigild", "do vigild ghi"},
    {"by vigild at", "do vigild ghi tại"},
    {"into", "vào"},
    {"last hash", "mã băm cuối"},
    {"private (mode 0600): signs exports, keep it secret", "khóa bí mật (quyền 0600): dùng để ký bản xuất, phải giữ kín"},
    {"public: give it to whoever verifies exports", "khóa công khai: trao cho người kiểm tra bản xuất"},
    {"written to", "đã ghi vào"},

    // vigil replay's summary.
    {"IP fragments", "mảnh IP"},
    {"Read", "Đã đọc"},
    {"Rules", "Quy tắc"},
    {"Stored", "Đã lưu"},
    {"anomaly events", "sự kiện bất thường"},
    {"app-layer records", "bản ghi tầng ứng dụng"},
    {"capture", "tệp ghi gói tin"},
    {"captures", "tệp ghi gói tin"},
    {"correlation rules", "quy tắc tương quan"},
    {"datagrams reassembled", "gói được ghép lại"},
    {"decode anomalies", "lỗi giải mã"},
    {"decode anomalies counted", "lỗi giải mã được đếm"},
    {"evicted at the memory cap", "bị loại do chạm giới hạn bộ nhớ"},
    {"evicted from a full flow table", "bị loại khỏi bảng luồng đầy"},
    {"flows", "luồng"},
    {"in", "trong"},
    {"queue drops", "bỏ do hàng đợi đầy"},
    {"see", "xem"},
    {"signatures", "chữ ký"},
    {"skipped", "bỏ qua"},
    {"timed out", "hết thời gian chờ"},
    {"draft made by vigil at", "bản nháp do vigil lập lúc"},
    {"due in", "đến hạn sau"},
    {"feeds others", "cung cấp cho quy tắc khác"},
    {"final report", "báo cáo kết thúc"},
    {"full report (72h)", "báo cáo đầy đủ (72 giờ)"},
    {"full report due", "hạn báo cáo đầy đủ"},
    {"incidents would be raised", "sự cố sẽ được tạo"},
    {"initial notice (24h)", "thông báo ban đầu (24 giờ)"},
    {"initial notice due", "hạn thông báo ban đầu"},
    {"last event", "sự kiện cuối"},
    {"not sent", "chưa gửi"},
    {"on the layer-4 outbox", "vào hàng đợi gửi lớp 4"},
    {"overdue", "quá hạn"},
    {"overdue by", "quá hạn"},
    {"receipt", "biên nhận"},
    {"recorded at", "ghi nhận lúc"},
    {"reports", "báo cáo"},
    {"time in rule checks:", "thời gian kiểm tra quy tắc:"},
    {"waiting", "đang chờ"},
    {"yes", "có"},
};

const std::vector<Entry>& catalogue() {
  static const std::vector<Entry> sorted = [] {
    std::vector<Entry> entries(std::begin(kVietnamese), std::end(kVietnamese));
    std::sort(entries.begin(), entries.end());
    return entries;
  }();
  return sorted;
}

const std::string_view* find_vietnamese(std::string_view english) {
  const auto& entries = catalogue();
  auto it = std::lower_bound(entries.begin(), entries.end(), english,
                             [](const Entry& entry, std::string_view key) { return entry.first < key; });
  if (it == entries.end() || it->first != english) return nullptr;
  return &it->second;
}

}  // namespace

void set_lang(Lang language) { g_lang = language; }

Lang lang() { return g_lang; }

std::optional<Lang> parse_lang(std::string_view code) {
  if (code == "en") return Lang::en;
  if (code == "vi") return Lang::vi;
  return std::nullopt;
}

std::string_view tr(std::string_view english) {
  if (g_lang == Lang::en) return english;
  const std::string_view* vietnamese = find_vietnamese(english);
  return vietnamese != nullptr ? *vietnamese : english;
}

bool has_translation(std::string_view english) { return find_vietnamese(english) != nullptr; }

}  // namespace vigil::cli
