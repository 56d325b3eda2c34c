#include "models.hpp"

#include <pybind11/stl.h>

#include "libsync/git_sync_service.hpp"
#include "libsync/hook_service.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::python {
namespace py = pybind11;

namespace {

py::object ToDatetime(Timestamp t) {
  // Kept for the life of the process (released, never destroyed): a py::object destroyed
  // by static destructors after the interpreter is gone would crash at exit.
  static const py::handle datetime = py::module_::import("datetime").release();
  static const py::handle epoch =
      datetime.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = datetime.attr("timezone").attr("utc")).release();
  static const py::handle timedelta = py::object(datetime.attr("timedelta")).release();
  return epoch + timedelta(py::arg("milliseconds") = t.time_since_epoch().count());
}

py::object ToDatetime(const std::optional<Timestamp>& t) { return t ? ToDatetime(*t) : py::none(); }

// def_property_readonly for a Timestamp (or optional) member.
template <class C, class T>
void Time(py::class_<C>& cls, const char* name, T C::*member) {
  cls.def_property_readonly(name, [member](const C& c) { return ToDatetime(c.*member); });
}

template <class C>
py::class_<C> Value(py::module_& m, const char* name, const char* doc) {
  return py::class_<C>(m, name, doc);
}

}  // namespace

void BindModels(py::module_& m) {
  auto project = Value<ProjectView>(m, "Project", "A project (its git token is never shown).");
  project.def_readonly("id", &ProjectView::id)
      .def_readonly("name", &ProjectView::name)
      .def_readonly("repo_url", &ProjectView::repo_url)
      .def_readonly("has_token", &ProjectView::has_token)
      .def_readonly("has_webhook_secret", &ProjectView::has_webhook_secret)
      .def_readonly("branch", &ProjectView::branch)
      .def_readonly("docs_path", &ProjectView::docs_path)
      .def_readonly("last_synced_commit", &ProjectView::last_synced_commit)
      .def("__repr__", [](const ProjectView& p) { return "<libsync.Project " + p.name + " " + p.id + ">"; });
  Time(project, "created_at", &ProjectView::created_at);
  Time(project, "updated_at", &ProjectView::updated_at);
  Time(project, "synced_at", &ProjectView::synced_at);

  auto doc = Value<Doc>(m, "Doc", "The current text of one document, with its SHA-256 and version.");
  doc.def_readonly("file_name", &Doc::file_name)
      .def_readonly("content", &Doc::content)
      .def_readonly("hash", &Doc::hash)
      .def_readonly("version", &Doc::version)
      .def_readonly("updated_by", &Doc::updated_by)
      .def("__repr__", [](const Doc& d) { return "<libsync.Doc " + d.file_name + " v" + std::to_string(d.version) + ">"; });
  Time(doc, "created_at", &Doc::created_at);
  Time(doc, "updated_at", &Doc::updated_at);

  auto version = Value<DocVersion>(m, "DocVersion", "One version of a document as written.");
  version.def_readonly("file_name", &DocVersion::file_name)
      .def_readonly("version", &DocVersion::version)
      .def_readonly("content", &DocVersion::content)
      .def_readonly("hash", &DocVersion::hash)
      .def_readonly("author", &DocVersion::author)
      .def_property_readonly("source", [](const DocVersion& v) { return std::string(SourceName(v.source)); });
  Time(version, "created_at", &DocVersion::created_at);

  Value<DocWriteResult>(m, "DocWrite", "The outcome of a write: the doc, and whether it was created or changed.")
      .def_readonly("doc", &DocWriteResult::doc)
      .def_readonly("created", &DocWriteResult::created)
      .def_readonly("changed", &DocWriteResult::changed);

  auto lock = Value<Lock>(m, "Lock", "A project's live edit lock (never its token).");
  lock.def_readonly("locked_by", &Lock::locked_by)
      .def_readonly("reason", &Lock::reason)
      .def_readonly("fence", &Lock::fence)
      .def("__repr__", [](const Lock& l) { return "<libsync.Lock by " + l.locked_by + " fence " + std::to_string(l.fence) + ">"; });
  Time(lock, "locked_at", &Lock::locked_at);
  Time(lock, "expires_at", &Lock::expires_at);

  Value<LockGrant>(m, "LockGrant", "A granted lock and its secret token (shown only here).")
      .def_readonly("lock", &LockGrant::lock)
      .def_readonly("token", &LockGrant::token)
      .def_readonly("renewed", &LockGrant::renewed);

  auto key = Value<ApiKey>(m, "ApiKey", "A project key as stored (only its hash is kept).");
  key.def_readonly("id", &ApiKey::id)
      .def_readonly("project_id", &ApiKey::project_id)
      .def_readonly("name", &ApiKey::name)
      .def_readonly("prefix", &ApiKey::prefix)
      .def_readonly("is_active", &ApiKey::is_active)
      .def_readonly("last_pulled_hash", &ApiKey::last_pulled_hash)
      .def_property_readonly("scope", [](const ApiKey& k) { return std::string(ScopeName(k.scope)); });
  Time(key, "created_at", &ApiKey::created_at);
  Time(key, "last_used_at", &ApiKey::last_used_at);
  Time(key, "last_pulled_at", &ApiKey::last_pulled_at);

  Value<CreatedApiKey>(m, "CreatedKey", "A new key: the stored record and the plain key, shown once.")
      .def_readonly("key", &CreatedApiKey::key)
      .def_readonly("secret", &CreatedApiKey::plain_key);

  auto event = Value<Event>(m, "Event", "One committed change; payload is a JSON object as text.");
  event.def_readonly("project_id", &Event::project_id)
      .def_readonly("seq", &Event::seq)
      .def_readonly("type", &Event::type)
      .def_readonly("payload", &Event::payload);
  Time(event, "created_at", &Event::created_at);

  Value<EventPage>(m, "EventPage", "Events after a seq, and the log's head and oldest retained seq.")
      .def_readonly("events", &EventPage::events)
      .def_readonly("head_seq", &EventPage::head_seq)
      .def_readonly("oldest_seq", &EventPage::oldest_seq);

  Value<DocsState>(m, "DocsState", "The project docs hash and the number of docs.")
      .def_readonly("hash", &DocsState::hash)
      .def_readonly("count", &DocsState::count);
  Value<DocsSnapshot>(m, "DocsSnapshot", "Every doc and the hash they make together.")
      .def_readonly("docs", &DocsSnapshot::docs)
      .def_readonly("hash", &DocsSnapshot::hash);

  Value<SyncConflict>(m, "SyncConflict", "A doc changed both locally and in git; the local text was kept.")
      .def_readonly("file_name", &SyncConflict::file_name)
      .def_readonly("reason", &SyncConflict::reason)
      .def_readonly("remote_blob_id", &SyncConflict::remote_blob_id)
      .def_readonly("remote_content", &SyncConflict::remote_content);
  Value<ImportReport>(m, "ImportReport", "What an import from git did.")
      .def_readonly("commit", &ImportReport::commit)
      .def_readonly("imported", &ImportReport::imported)
      .def_readonly("updated", &ImportReport::updated)
      .def_readonly("unchanged", &ImportReport::unchanged)
      .def_readonly("deleted", &ImportReport::deleted)
      .def_readonly("conflicts", &ImportReport::conflicts)
      .def_readonly("skipped", &ImportReport::skipped);
  Value<ExportReport>(m, "ExportReport", "What a push to git did.")
      .def_readonly("commit", &ExportReport::commit)
      .def_readonly("pushed", &ExportReport::pushed)
      .def_readonly("deleted", &ExportReport::deleted)
      .def_readonly("attempts", &ExportReport::attempts);
}

}  // namespace libsync::python
