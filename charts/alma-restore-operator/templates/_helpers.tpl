{{/* Chart name, truncated to 63 characters (DNS label). */}}
{{- define "alma-restore-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: "<release>-<chart>", or the release name when it already contains the chart name. */}}
{{- define "alma-restore-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "alma-restore-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "alma-restore-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "alma-restore-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "alma-restore-operator.labels" -}}
helm.sh/chart: {{ include "alma-restore-operator.chart" . }}
{{ include "alma-restore-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: alma-restore-operator
{{- end }}

{{- define "alma-restore-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "alma-restore-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "alma-restore-operator.metricsServiceName" -}}
{{- printf "%s-metrics" (include "alma-restore-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "alma-restore-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Refuse configurations that would break at run time. */}}
{{- define "alma-restore-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.controller.leaderElection.enabled) }}
{{- fail "replicaCount > 1 requires controller.leaderElection.enabled=true: two controllers without leader election would reconcile the same AlmaRestores at once" }}
{{- end }}
{{- end }}
