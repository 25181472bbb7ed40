"""The GitHub Action's side of dynsec (docs/github.md): the action's run (`action`), the
pull request's comment and the drift issue (`sticky`) through GitHub's REST API (`rest`),
and what a workflow step reads and writes (`workflow`). Run as
`python -m pulumi_dynamic_security.github` by `action.yml`."""
